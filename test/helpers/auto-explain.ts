// A session whose every statement, nested ones too, hands its plan to the
// test (auto_explain at notice level), for tests that check plans.
import type { Test } from 'tap';
import pg from 'pg';

/** The session and the plans it has seen; undefined when this PostgreSQL has no auto_explain. */
export const explainingSession = async (t: Test, url: string): Promise<{ session: pg.Client; plans: string[] } | undefined> => {
  const session = new pg.Client({ connectionString: url });
  await session.connect();
  t.teardown(() => session.end());
  const plans: string[] = [];
  session.on('notice', (notice) => plans.push(notice.message ?? ''));
  for (const setting of ['auto_explain.log_min_duration = 0', 'auto_explain.log_nested_statements = on', 'auto_explain.log_level = notice']) {
    await session.query(`set ${setting}`);
  }
  const loaded = await session.query(`load 'auto_explain'`).then(() => true, () => false);
  return loaded ? { session, plans } : undefined;
};

interface PlanNode {
  line: string;
  /** An InitPlan, SubPlan or CTE heading: its subtree runs apart from its parent's join. */
  heading: boolean;
  children: PlanNode[];
}

const HEADING = /^\s*(InitPlan|SubPlan|CTE) \S+/;

/**
 * The plan tree of one auto_explain text: a node per line with a cost, and one
 * per subplan heading, which sits at its siblings' indentation.
 */
const planTree = (text: string): PlanNode | undefined => {
  const stack: { indent: number; node: PlanNode }[] = [];
  let root: PlanNode | undefined;
  for (const line of text.split('\n')) {
    const heading = HEADING.test(line);
    if (!heading && !line.includes('(cost=')) continue;
    const arrow = line.indexOf('->');
    const indent = heading ? line.search(/\S/) : arrow < 0 ? 0 : arrow;
    const node = { line: line.trim().replace(/^->\s*/, ''), heading, children: [] };
    while (stack.length > 0 && stack.at(-1)!.indent >= indent) stack.pop();
    if (stack.length === 0) root ??= node;
    else stack.at(-1)!.node.children.push(node);
    stack.push({ indent, node });
  }
  return root;
};

/** Nested loops whose inner side is an array or a CTE of the batch, rescanned for each outer row. */
const rescansOf = (node: PlanNode): string[] => {
  let inner = node.children.filter((child) => !child.heading)[1];
  while (inner?.line.startsWith('Materialize')) inner = inner.children.find((child) => !child.heading);
  const here = node.line.startsWith('Nested Loop') && /^(Function Scan on unnest|CTE Scan)/.test(inner?.line ?? '') ? [node.line] : [];
  return [...here, ...node.children.flatMap(rescansOf)];
};

/**
 * The nested loops of one auto_explain plan that rescan one of the batch's
 * arrays or CTEs for each row of the other side: a call then costs the
 * square of the batch's size. The entry points plan generically, taking
 * every unnest() of an array for 10 rows and a CTE for what that makes, so
 * nothing but the plan's shape keeps them apart.
 */
export const batchRescans = (plan: string): string[] => {
  const tree = planTree(plan);
  return tree ? rescansOf(tree) : [];
};
