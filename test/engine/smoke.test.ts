import t from 'tap';
import { testDatabase } from '../helpers/db.ts';

t.test('discover on a hand-made pool', async (t) => {
  const { db } = await testDatabase(t);
  await db.query('s', `insert into dhcpg.subnet4 (id, prefix, valid_lifetime, offer_lifetime, decline_probation) values (1, '192.0.2.0/24', 3600, 30, 86400)`);
  await db.query('p', `insert into dhcpg.pool4 (subnet_id, first_address, last_address) values (1, '192.0.2.10', '192.0.2.20')`);
  await db.query('l', `insert into dhcpg.lease4 (address, subnet_id, pool_id) select '192.0.2.10'::inet + g, 1, 1 from generate_series(0, 10) g`);
  const rows = await db.query<{ action: string; address: string }>('d',
    `select * from dhcpg.discover4(1::smallint, '\\xaabbccddeeff'::bytea, null, '192.0.2.1'::inet, null, null, null, null, null)`);
  t.equal(rows[0]?.action, 'offer');
  t.equal(rows[0]?.address, '192.0.2.10');
});
