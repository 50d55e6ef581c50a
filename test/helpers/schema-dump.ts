// A normalised text of everything in schema dhcpg, as `pg_dump --schema-only`
// would show it but stable across databases: sorted by name, without OIDs,
// with the migrating role written "owner". (Debian 12's pg_dump is 15 and
// refuses the embedded PostgreSQL 17, whose packages bring none.)
import pg from 'pg';

const SECTIONS: [title: string, query: string][] = [
  ['schema', `
    select 'schema dhcpg ' || coalesce(array_to_string(array(select unnest(nspacl)::text order by 1), ' '), '')
    from pg_namespace where nspname = 'dhcpg'`],
  ['enum types', `
    select format('type %s enum (%s)', t.typname, string_agg(quote_literal(e.enumlabel), ', ' order by e.enumsortorder))
    from pg_type t join pg_enum e on e.enumtypid = t.oid
    where t.typnamespace = 'dhcpg'::regnamespace group by t.typname order by t.typname`],
  ['composite types', `
    select format('type %s (%s)', c.relname,
                  string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' order by a.attnum))
    from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where c.relnamespace = 'dhcpg'::regnamespace and c.relkind = 'c' group by c.relname order by c.relname`],
  ['tables', `
    select format('table %s (%s) %s', c.relname,
                  (select string_agg(format('%I %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                                            case when a.attnotnull then ' not null' else '' end,
                                            coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')), ', ' order by a.attnum)
                   from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped),
                  coalesce(array_to_string(array(select unnest(c.relacl)::text order by 1), ' '), ''))
    from pg_class c
    where c.relnamespace = 'dhcpg'::regnamespace and c.relkind in ('r', 'p') order by c.relname`],
  ['constraints', `
    select format('constraint %s on %s %s', n.conname, c.relname, pg_get_constraintdef(n.oid))
    from pg_constraint n join pg_class c on c.oid = n.conrelid
    where c.relnamespace = 'dhcpg'::regnamespace order by c.relname, n.conname`],
  ['indexes', `
    select pg_get_indexdef(i.indexrelid)
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relnamespace = 'dhcpg'::regnamespace order by c.relname`],
  ['sequences', `
    select format('sequence %s %s', c.relname, format_type(s.seqtypid, null))
    from pg_class c join pg_sequence s on s.seqrelid = c.oid
    where c.relnamespace = 'dhcpg'::regnamespace order by c.relname`],
  ['triggers', `
    select pg_get_triggerdef(g.oid)
    from pg_trigger g join pg_class c on c.oid = g.tgrelid
    where c.relnamespace = 'dhcpg'::regnamespace and not g.tgisinternal order by c.relname, g.tgname`],
  ['views', `
    select format('view %s as%s-- acl: %s', c.relname, pg_get_viewdef(c.oid, true),
                  coalesce(array_to_string(array(select unnest(c.relacl)::text order by 1), ' '), ''))
    from pg_class c where c.relnamespace = 'dhcpg'::regnamespace and c.relkind = 'v' order by c.relname`],
  ['functions', `
    select pg_get_functiondef(p.oid) || '-- acl: ' || coalesce(array_to_string(array(select unnest(p.proacl)::text order by 1), ' '), '')
    from pg_proc p where p.pronamespace = 'dhcpg'::regnamespace order by p.oid::regprocedure::text`],
];

/** The schema text of the database at url. */
export const dumpSchema = async (url: string): Promise<string> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { owner } = (await client.query<{ owner: string }>('select current_user as owner')).rows[0]!;
    const parts: string[] = [];
    for (const [title, query] of SECTIONS) {
      const { rows } = await client.query<Record<string, string>>(query);
      parts.push(`-- ${title}`, ...rows.map((row) => Object.values(row)[0]!));
    }
    // Privileges name the role that migrated: another server, another name.
    return `${parts.join('\n').replace(new RegExp(`(?<=^|[\\s/{,])${owner}(?=[=/\\s,}]|$)`, 'gm'), 'owner')}\n`;
  } finally {
    await client.end();
  }
};
