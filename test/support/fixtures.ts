import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/passwords';
import type { Role } from '../../src/auth/permissions';
import type { Repositories } from '../../src/db/repositories';
import type { Company } from '../../src/db/repositories/companies';
import type { User } from '../../src/db/repositories/users';
import type { AuthService } from '../../src/auth/auth-service';

export const FIXTURE_PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

/** Unique names per call, so tests sharing one database never collide. */
export function uniqueSuffix(): string {
  return randomUUID().slice(0, 8);
}

export async function createUser(
  repos: Repositories,
  input: { role: Role; companyId: number | null; name?: string; email?: string; isActive?: boolean; notificationsEnabled?: boolean },
): Promise<User> {
  passwordHash ??= hashPassword(FIXTURE_PASSWORD);
  const suffix = uniqueSuffix();
  return repos.users.create({
    email: input.email ?? `${input.role}-${suffix}@example.test`,
    name: input.name ?? `${input.role} ${suffix}`,
    role: input.role,
    companyId: input.companyId,
    passwordHash: await passwordHash,
    isActive: input.isActive,
    notificationsEnabled: input.notificationsEnabled,
  });
}

export interface World {
  companyA: Company;
  companyB: Company;
  admin: User;
  agent: User;
  clientA: User;
  clientB: User;
  tokens: { admin: string; agent: string; clientA: string; clientB: string };
}

/** Two companies, an admin, an agent of A, a client of A and a client of B, each with a bearer token. */
export async function createWorld(repos: Repositories, auth: AuthService): Promise<World> {
  const suffix = uniqueSuffix();
  const companyA = await repos.companies.create(`Company A ${suffix}`);
  const companyB = await repos.companies.create(`Company B ${suffix}`);
  const admin = await createUser(repos, { role: 'admin', companyId: null });
  const agent = await createUser(repos, { role: 'agent', companyId: companyA.id });
  const clientA = await createUser(repos, { role: 'client', companyId: companyA.id });
  const clientB = await createUser(repos, { role: 'client', companyId: companyB.id });
  const token = async (user: User) => (await auth.createPersonalToken(user.email, 'test', 1)).token;
  return {
    companyA,
    companyB,
    admin,
    agent,
    clientA,
    clientB,
    tokens: { admin: await token(admin), agent: await token(agent), clientA: await token(clientA), clientB: await token(clientB) },
  };
}
