import { parse, serialize } from 'cookie';

export const TEMPORAL_UI_COOKIE = 'hd_temporal_ui';

/** Cookies are scoped by host, not port: the API sets it and the browser sends it to the UI gateway's port. */
export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  return serialize(TEMPORAL_UI_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path: '/', expires: expiresAt });
}

export function sessionTokenFrom(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parse(cookieHeader)[TEMPORAL_UI_COOKIE] || undefined;
}
