// lease6's references to its subnet and pool are kept by the configuration's
// apply (config/apply6.ts), not by foreign keys. A DHCPv6 lease row is
// inserted when first handed out (pools of 2^64 have no rows to prepare), and
// each insert ran two foreign-key checks, a query apiece, locking the subnet
// and pool rows that every front-end's inserts share: 15% of PostgreSQL's
// time for a batch of SOLICITs with IA_NA and IA_PD. Only the apply deletes
// subnets and pools, and it removes their leases' rows, or their pool ids, in
// the same transaction, as ON DELETE CASCADE and SET NULL did. DHCPv4 keeps
// its foreign keys: its lease rows are prepared by the apply, and claims only
// update them.
export const up = (pgm) => {
  pgm.sql(`
    alter table dhcpg.lease6
      drop constraint lease6_subnet_id_fkey,
      drop constraint lease6_pool_id_fkey;
  `);
};

export const down = (pgm) => {
  pgm.sql(`
    delete from dhcpg.lease6 l where not exists (select from dhcpg.subnet6 s where s.id = l.subnet_id);
    update dhcpg.lease6 l set pool_id = null
      where l.pool_id is not null and not exists (select from dhcpg.pool6 p where p.id = l.pool_id);
    alter table dhcpg.lease6
      add constraint lease6_subnet_id_fkey foreign key (subnet_id) references dhcpg.subnet6 on delete cascade,
      add constraint lease6_pool_id_fkey foreign key (pool_id) references dhcpg.pool6 on delete set null;
  `);
};
