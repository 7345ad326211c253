/** One message for one recipient. The Message-ID is chosen by the caller so a resend keeps it. */
export interface OutgoingMail {
  to: string;
  /** the recipient's display name, shown in `To:` */
  toName?: string;
  /** the signed one-click link: sent as List-Unsubscribe with List-Unsubscribe-Post (RFC 8058) */
  unsubscribeUrl?: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  /** thread ids (`<ticket-42@host>`), sent as In-Reply-To (the first) and References */
  references: string[];
}

export interface SentMail {
  messageId: string;
  accepted: string[];
}

export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): Promise<void>;
}
