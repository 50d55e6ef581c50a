// One index of lease6 by pool: the order in which expired rows are handed out
// again (pool, then the longest expired first), covering every row with a
// pool, also reserved ones. Before, a second index held the pool id alone,
// and where dhcpg.reuse6 and dhcpg.claim6 take a pool's expired rows the
// planner, planning on a lease6 it believed nearly empty (a new deployment,
// a table emptied; each connection keeps its plans), took that one: it read
// every row of the pool and sorted them to hand out one. In a spent
// 256-address pool a SOLICIT cost 1.25 times one into a fresh /64, against
// 1.12 with the plan in this index's order; in a pool of 65,536 prefixes it
// would read 65,536 rows per claim (test/engine/plans6.test.ts). The apply
// finds a removed pool's rows by this index too (pool_id = any (...)).
// Reserved rows are filtered out of the reuse on the rows themselves: they
// are few.
export const up = (pgm) => {
  pgm.sql(`
    drop index dhcpg.lease6_pool;
    drop index dhcpg.lease6_free;
    create index lease6_free on dhcpg.lease6 (pool_id, expires_at) where pool_id is not null;
  `);
};

export const down = (pgm) => {
  pgm.sql(`
    drop index dhcpg.lease6_free;
    create index lease6_free on dhcpg.lease6 (pool_id, expires_at)
      where reservation_id is null and pool_id is not null;
    create index lease6_pool on dhcpg.lease6 (pool_id);
  `);
};
