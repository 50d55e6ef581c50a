// Changed only functions, which sql/ holds now and "migrate up" installs
// after the migrations (src/db/schema.ts). Kept because databases of dhcpg
// 0.1.0 record it as applied.
export const up = () => {};
export const down = () => {};
