import {
  candidateRecipients,
  previousAssigneeId,
  selectRecipients,
  type CandidateInput,
  type RecipientUser,
} from '../../src/notifications/recipients';

const REQUESTER = 1;
const ASSIGNEE = 2;
const WATCHER = 3;
const PREVIOUS = 4;
const AGENT_X = 5;
const AGENT_Y = 6;
const ADMIN = 7;
const OUTSIDER = 8;
const OUTSIDER_AGENT = 9;
const COMPANY = 100;
const OTHER_COMPANY = 200;

function user(id: number, overrides: Partial<RecipientUser> = {}): RecipientUser {
  return { id, companyId: COMPANY, email: `user${id}@example.test`, role: 'agent', isActive: true, notificationsEnabled: true, ...overrides };
}

const users = new Map<number, RecipientUser>([
  [REQUESTER, user(REQUESTER, { role: 'client' })],
  [ASSIGNEE, user(ASSIGNEE)],
  [WATCHER, user(WATCHER, { role: 'client' })],
  [PREVIOUS, user(PREVIOUS)],
  [AGENT_X, user(AGENT_X)],
  [AGENT_Y, user(AGENT_Y)],
  [ADMIN, user(ADMIN, { role: 'admin', companyId: null })],
  [OUTSIDER, user(OUTSIDER, { role: 'client', companyId: OTHER_COMPANY })],
  [OUTSIDER_AGENT, user(OUTSIDER_AGENT, { companyId: OTHER_COMPANY })],
]);

function input(overrides: Partial<CandidateInput> = {}): CandidateInput {
  return {
    type: 'updated',
    ticket: { requesterId: REQUESTER, assigneeId: ASSIGNEE },
    watcherIds: [WATCHER],
    companyAgentIds: [AGENT_X, AGENT_Y],
    adminIds: [ADMIN],
    ...overrides,
  };
}

function recipients(candidateInput: CandidateInput, actorId = 99, internalComment = false, pool = users) {
  return selectRecipients(candidateRecipients(candidateInput), pool, { actorId, ticketCompanyId: COMPANY, internalComment }).map((r) => ({
    id: r.user.id,
    reason: r.reason,
  }));
}

describe('recipient rules', () => {
  it('the requester, the assignee and the watchers are candidates, the assignee first', () => {
    expect(recipients(input())).toEqual([
      { id: ASSIGNEE, reason: 'assignee' },
      { id: REQUESTER, reason: 'requester' },
      { id: WATCHER, reason: 'watcher' },
    ]);
  });

  it('on assigned, the previous assignee is told too', () => {
    const result = recipients(input({ type: 'assigned', previousAssigneeId: PREVIOUS }));
    expect(result).toContainEqual({ id: PREVIOUS, reason: 'previous_assignee' });
    expect(result).toContainEqual({ id: ASSIGNEE, reason: 'assignee' });
  });

  it('the previous assignee is only added on assigned events', () => {
    const result = recipients(input({ type: 'updated', previousAssigneeId: PREVIOUS }));
    expect(result.map((r) => r.id)).not.toContain(PREVIOUS);
  });

  it('reads the previous assignee from assignee_id and numeric strings, and ignores nonsense', () => {
    expect(previousAssigneeId({ assignee_id: { from: '4', to: 2 } })).toBe(4);
    expect(previousAssigneeId({ assigneeId: { from: null, to: 2 } })).toBeNull();
    expect(previousAssigneeId({ assigneeId: { from: 'bob', to: 2 } })).toBeNull();
    expect(previousAssigneeId(undefined)).toBeNull();
  });

  it('on created with no assignee, the agents of the ticket company are told', () => {
    const result = recipients(input({ type: 'created', ticket: { requesterId: REQUESTER, assigneeId: null }, watcherIds: [] }));
    expect(result).toEqual([
      { id: REQUESTER, reason: 'requester' },
      { id: AGENT_X, reason: 'company_agent' },
      { id: AGENT_Y, reason: 'company_agent' },
    ]);
  });

  it('on created with no assignee and no company agent, all admins are told', () => {
    const result = recipients(
      input({ type: 'created', ticket: { requesterId: REQUESTER, assigneeId: null }, watcherIds: [], companyAgentIds: [] }),
    );
    expect(result).toEqual([
      { id: REQUESTER, reason: 'requester' },
      { id: ADMIN, reason: 'admin' },
    ]);
  });

  it('on created with an assignee, the company agents are not told', () => {
    const result = recipients(input({ type: 'created' }));
    expect(result.map((r) => r.id)).not.toContain(AGENT_X);
    expect(result.map((r) => r.id)).not.toContain(ADMIN);
  });

  it('never the actor', () => {
    expect(recipients(input(), ASSIGNEE).map((r) => r.id)).toEqual([REQUESTER, WATCHER]);
  });

  it('never an inactive user', () => {
    const pool = new Map(users).set(WATCHER, user(WATCHER, { isActive: false }));
    expect(recipients(input(), 99, false, pool).map((r) => r.id)).toEqual([ASSIGNEE, REQUESTER]);
  });

  it('never a user who turned notifications off', () => {
    const pool = new Map(users).set(REQUESTER, user(REQUESTER, { notificationsEnabled: false }));
    expect(recipients(input(), 99, false, pool).map((r) => r.id)).toEqual([ASSIGNEE, WATCHER]);
  });

  it('an unknown user id (deleted meanwhile) is skipped', () => {
    expect(recipients(input({ watcherIds: [WATCHER, 404] })).map((r) => r.id)).toEqual([ASSIGNEE, REQUESTER, WATCHER]);
  });

  it('one mail per address, compared case-insensitively', () => {
    const pool = new Map(users).set(WATCHER, user(WATCHER, { email: '  USER1@Example.TEST ' }));
    expect(recipients(input(), 99, false, pool).map((r) => r.id)).toEqual([ASSIGNEE, REQUESTER]);
  });

  it('a user who is both watcher and assignee gets one mail, worded for the assignee', () => {
    expect(recipients(input({ watcherIds: [ASSIGNEE, WATCHER] }))).toEqual([
      { id: ASSIGNEE, reason: 'assignee' },
      { id: REQUESTER, reason: 'requester' },
      { id: WATCHER, reason: 'watcher' },
    ]);
  });

  it('an internal comment never reaches a client-role user', () => {
    const result = recipients(input({ type: 'commented', watcherIds: [WATCHER, AGENT_X] }), 99, true);
    expect(result.map((r) => r.id)).toEqual([ASSIGNEE, AGENT_X]);
  });

  it('a public comment reaches clients', () => {
    const result = recipients(input({ type: 'commented' }), 99, false);
    expect(result.map((r) => r.id)).toEqual([ASSIGNEE, REQUESTER, WATCHER]);
  });

  it('the previous assignee equal to the new one is not listed twice', () => {
    const result = recipients(input({ type: 'assigned', previousAssigneeId: ASSIGNEE }));
    expect(result.filter((r) => r.id === ASSIGNEE)).toEqual([{ id: ASSIGNEE, reason: 'assignee' }]);
  });

  it('never a user who may not see the ticket: a client of another company, even as a watcher', () => {
    expect(recipients(input({ watcherIds: [WATCHER, OUTSIDER] })).map((r) => r.id)).toEqual([ASSIGNEE, REQUESTER, WATCHER]);
  });

  it('staff of any company and admins without one may see the ticket', () => {
    expect(recipients(input({ watcherIds: [OUTSIDER_AGENT, ADMIN] })).map((r) => r.id)).toEqual([ASSIGNEE, REQUESTER, ADMIN, OUTSIDER_AGENT]);
  });

  it('a previous assignee who is not staff is never told, whatever company', () => {
    expect(recipients(input({ type: 'assigned', previousAssigneeId: OUTSIDER })).map((r) => r.id)).toEqual([ASSIGNEE, REQUESTER, WATCHER]);
    const clientOfTheCompany = recipients(input({ type: 'assigned', watcherIds: [], previousAssigneeId: WATCHER }));
    expect(clientOfTheCompany.map((r) => r.id)).toEqual([ASSIGNEE, REQUESTER]);
  });
});
