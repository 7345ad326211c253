import knex, { type Knex } from 'knex';
import { up } from '../../migrations/011_users_email_lowercase';

describe('migration 011: e-mails lower-case', () => {
  let db: Knex;
  beforeEach(async () => {
    db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    await db.schema.createTable('users', (t) => {
      t.increments('id');
      t.string('email', 191).notNullable().unique();
    });
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('stores every e-mail trimmed and lower-case', async () => {
    await db('users').insert([{ email: 'Ann@Example.TEST' }, { email: ' bob@example.test ' }]);
    await up(db);
    expect((await db('users').orderBy('id').pluck('email')).sort()).toEqual(['ann@example.test', 'bob@example.test']);
  });

  it('stops, naming the address and changing nothing, when two accounts differ only in case', async () => {
    await db('users').insert([{ email: 'Ann@Example.TEST' }, { email: 'ann@example.test' }, { email: 'Carl@Example.TEST' }]);
    await expect(up(db)).rejects.toThrow(/merged first: ann@example.test$/);
    expect(await db('users').orderBy('id').pluck('email')).toEqual(['Ann@Example.TEST', 'ann@example.test', 'Carl@Example.TEST']);
  });
});
