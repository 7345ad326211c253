import type { Db } from '../db/knex';

export const PERMISSIONS = {
  view_horizon: 'See the monitoring console (Temporal UI) and the job overview',
  manage_queues: 'Pause and resume queues and schedules, run the cleanup now',
  restart_queues: 'Restart the workers gracefully',
  view_failed_jobs: 'See the failed-job list',
  retry_failed_jobs: 'Retry failed jobs',
  create_reports: 'Request report exports',
  view_reports: 'See and download own reports',
  view_all_reports: "See every user's reports",
  post_ticket_events: 'Post ticket events that trigger notifications',
  view_audit_log: "See the audit trail of admins' actions",
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const ROLES = ['admin', 'agent', 'client'] as const;
export type Role = (typeof ROLES)[number];

const everything = Object.keys(PERMISSIONS) as Permission[];

export const ROLE_PERMISSIONS: Record<Role, Permission[]> = {
  admin: everything,
  agent: ['create_reports', 'view_reports', 'post_ticket_events'],
  client: ['create_reports', 'view_reports', 'post_ticket_events'],
};

/** Brings the roles and permissions tables in line with the catalogue above (idempotent). */
export async function syncRolesAndPermissions(db: Db): Promise<void> {
  await db.transaction(async (trx) => {
    for (const [name, description] of Object.entries(PERMISSIONS)) {
      const existing = await trx('permissions').where({ name }).first('id');
      if (existing) await trx('permissions').where({ name }).update({ description });
      else await trx('permissions').insert({ name, description });
    }
    for (const role of ROLES) {
      if (!(await trx('roles').where({ name: role }).first('id'))) await trx('roles').insert({ name: role });
    }
    const roleIds = new Map((await trx('roles').select('id', 'name')).map((r: { id: number; name: string }) => [r.name, r.id]));
    const permissionIds = new Map(
      (await trx('permissions').select('id', 'name')).map((p: { id: number; name: string }) => [p.name, p.id]),
    );
    await trx('role_permissions').del();
    const rows = ROLES.flatMap((role) =>
      ROLE_PERMISSIONS[role].map((permission) => ({ role_id: roleIds.get(role), permission_id: permissionIds.get(permission) })),
    );
    await trx('role_permissions').insert(rows);
  });
}
