import type { Db } from '../knex';
import { toBool, toDate } from '../normalize';
import type { Permission, Role } from '../../auth/permissions';

export interface User {
  id: number;
  companyId: number | null;
  role: Role;
  name: string;
  email: string;
  isActive: boolean;
  notificationsEnabled: boolean;
  createdAt: Date;
}

export interface UserWithPermissions extends User {
  permissions: Permission[];
}

interface UserRow {
  id: number;
  company_id: number | null;
  role: Role;
  name: string;
  email: string;
  is_active: unknown;
  notifications_enabled: unknown;
  created_at: unknown;
  password_hash?: string;
}

/** E-mails are stored and looked up trimmed and lower-case: one account per address, whatever case it is typed in. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toUser(row: UserRow): User {
  return {
    id: Number(row.id),
    companyId: row.company_id === null ? null : Number(row.company_id),
    role: row.role,
    name: row.name,
    email: row.email,
    isActive: toBool(row.is_active),
    notificationsEnabled: toBool(row.notifications_enabled),
    createdAt: toDate(row.created_at),
  };
}

export const USER_COLUMNS = [
  'users.id',
  'users.company_id',
  'roles.name as role',
  'users.name',
  'users.email',
  'users.is_active',
  'users.notifications_enabled',
  'users.created_at',
];

export function createUsersRepository(db: Db) {
  const base = () => db('users').join('roles', 'roles.id', 'users.role_id');

  async function permissionsOf(userId: number): Promise<Permission[]> {
    const rows = await db('users')
      .join('role_permissions', 'role_permissions.role_id', 'users.role_id')
      .join('permissions', 'permissions.id', 'role_permissions.permission_id')
      .where('users.id', userId)
      .orderBy('permissions.name')
      .select('permissions.name');
    return rows.map((r: { name: Permission }) => r.name);
  }

  return {
    async findById(id: number): Promise<User | undefined> {
      const row = await base().where('users.id', id).first<UserRow | undefined>(USER_COLUMNS);
      return row && toUser(row);
    },
    async findByIds(ids: number[]): Promise<User[]> {
      if (ids.length === 0) return [];
      const rows = await base().whereIn('users.id', ids).select<UserRow[]>(USER_COLUMNS);
      return rows.map(toUser);
    },
    async findByEmailWithHash(email: string): Promise<{ user: User; passwordHash: string } | undefined> {
      const row = await base()
        .where('users.email', normalizeEmail(email))
        .first<UserRow | undefined>([...USER_COLUMNS, 'users.password_hash']);
      return row && { user: toUser(row), passwordHash: row.password_hash as string };
    },
    async withPermissions(user: User): Promise<UserWithPermissions> {
      return { ...user, permissions: await permissionsOf(user.id) };
    },
    async create(input: {
      email: string;
      name: string;
      role: Role;
      companyId: number | null;
      passwordHash: string;
      isActive?: boolean;
      notificationsEnabled?: boolean;
    }): Promise<User> {
      const role = await db('roles').where({ name: input.role }).first<{ id: number }>('id');
      if (!role) throw new Error(`unknown role ${input.role}`);
      const [id] = await db('users').insert({
        email: normalizeEmail(input.email),
        name: input.name,
        role_id: role.id,
        company_id: input.companyId,
        password_hash: input.passwordHash,
        is_active: input.isActive ?? true,
        notifications_enabled: input.notificationsEnabled ?? true,
        created_at: new Date(),
      });
      return (await this.findById(Number(id))) as User;
    },
    async activeAgentsOfCompany(companyId: number): Promise<User[]> {
      const rows = await base()
        .where('users.company_id', companyId)
        .where('roles.name', 'agent')
        .where('users.is_active', true)
        .select<UserRow[]>(USER_COLUMNS);
      return rows.map(toUser);
    },
    /** Turns a user's notification e-mails off; idempotent, and a user that no longer exists changes nothing. */
    async turnNotificationsOff(id: number): Promise<void> {
      await db('users').where({ id }).update({ notifications_enabled: false });
    },
    async activeAdmins(): Promise<User[]> {
      const rows = await base().where('roles.name', 'admin').where('users.is_active', true).select<UserRow[]>(USER_COLUMNS);
      return rows.map(toUser);
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
