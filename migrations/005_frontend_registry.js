// Front-ends register themselves (sql/contract.sql) so that the operator sees
// which releases are serving (view dhcpg.frontends) and "dhcpg migrate up"
// refuses a release that would break live ones. The server row records what
// the last "migrate up" installed: the release, and the front-end contracts
// its functions serve.
export const up = (pgm) => {
  pgm.sql(`
    create table dhcpg.frontend (
      id          uuid primary key,
      host        text not null,
      pid         integer not null,
      -- The dhcpg release it runs, and the contract it speaks.
      release     text not null,
      contract    integer not null,
      started_at  timestamptz not null default now(),
      last_seen   timestamptz not null default now()
    );

    alter table dhcpg.server
      add column release text,
      add column frontend_contracts int4range;
  `);
};

export const down = (pgm) => {
  pgm.sql(`
    drop table dhcpg.frontend;
    alter table dhcpg.server drop column release, drop column frontend_contracts;
  `);
};
