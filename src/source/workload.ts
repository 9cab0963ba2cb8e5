// The managed source's workload: short, seeded transactions over fixtures/shop.sql, so that the same
// seed on a fresh load always ends in the same content (and the same fingerprints).
import type pg from 'pg';
import { RecoverableError, ScenarioError } from '../core/errors.ts';
import { createPrng, type Prng } from './prng.ts';

/** What a workload run did; `inserted`, `updated` and `deleted` count rows its statements touched directly. */
export interface WorkloadSummary {
  transactions: number;
  inserted: number;
  updated: number;
  deleted: number;
}

/** How to run the workload. */
export interface WorkloadOptions {
  /** Same seed on the same starting content gives the same final content. */
  seed: number;
  /** Number of committed transactions to run. */
  transactions: number;
  /** Called with the number of transactions committed so far, after every `markerEvery` of them. */
  onMarker?: (index: number) => Promise<void>;
  markerEvery?: number;
  /** Refresh reporting.daily_sales after every this many transactions (default 100). */
  refreshEvery?: number;
}

/** The client and PRNG a transaction works with, plus the keys it may touch (kept in step with the database). */
interface WorkloadState {
  client: pg.Client;
  prng: Prng;
  customerIds: number[];
  productIds: number[];
  /** bigint order ids as text, in the order they were created. */
  orderIds: string[];
  counts: Omit<WorkloadSummary, 'transactions'>;
}

type TransactionKind = 'new-order' | 'advance-order' | 'delete-order' | 'restock' | 'customer-note' | 'attachment';

// Cumulative weights: mostly new orders, some updates, a few deletes and TOAST-sized inserts.
const KIND_WEIGHTS: ReadonlyArray<readonly [TransactionKind, number]> = [
  ['new-order', 0.45],
  ['advance-order', 0.2],
  ['delete-order', 0.06],
  ['restock', 0.1],
  ['customer-note', 0.12],
  ['attachment', 0.07],
];

// New orders fall between 2023-12-20 and 2024-05-15 (UTC): every monthly partition plus the default one.
const ORDER_TIME_START_MS = Date.UTC(2023, 11, 20);
const ORDER_TIME_SPAN_SECONDS = (Date.UTC(2024, 4, 15) - ORDER_TIME_START_MS) / 1000;

const DEFAULT_REFRESH_EVERY = 100;

/**
 * Run `transactions` short seeded transactions on `client` (each BEGIN..COMMIT of 1 to 3 statements):
 * orders with lines into the partitions, status changes drawing invoice numbers from shop.invoice_seq,
 * stock and customer updates, deletes, and TOAST-sized attachments; reporting.daily_sales is refreshed
 * every `refreshEvery` transactions. The client must be idle and connected to a database loaded with
 * fixtures/shop.sql (possibly after earlier workload runs).
 * @throws RecoverableError `workload-failed` when a transaction fails; that transaction is rolled back.
 */
export async function runWorkload(client: pg.Client, opts: WorkloadOptions): Promise<WorkloadSummary> {
  const refreshEvery = opts.refreshEvery ?? DEFAULT_REFRESH_EVERY;
  assertCount('transactions', opts.transactions, 0);
  assertCount('refreshEvery', refreshEvery, 1);
  if (opts.markerEvery !== undefined) assertCount('markerEvery', opts.markerEvery, 1);

  const state = await loadState(client, createPrng(opts.seed));
  for (let done = 1; done <= opts.transactions; done++) {
    const kind = chooseKind(state.prng);
    await runTransaction(state, kind, done);
    if (done % refreshEvery === 0) await refreshDailySales(client);
    if (opts.onMarker && opts.markerEvery !== undefined && done % opts.markerEvery === 0) await opts.onMarker(done);
  }
  return { transactions: opts.transactions, ...state.counts };
}

// Reject counts that would make the loop meaningless (NaN, fractions, negatives).
function assertCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`workload ${name} must be an integer >= ${min}, got ${value}`);
}

const SHOP_FIX = 'list fixtures/shop.sql first in source.managed.fixtures (your own fixtures after it)';

// Read the keys to work on, in a stable order, so the PRNG draws map to the same rows on every load.
async function loadState(client: pg.Client, prng: Prng): Promise<WorkloadState> {
  const ids = async (sql: string): Promise<string[]> => {
    try {
      return (await client.query<{ id: string }>(sql)).rows.map((row) => row.id);
    } catch (error) {
      // The fixtures did not create the shop's tables (undefined table or schema): the scenario's to mend.
      const { code, message } = error as { code?: string; message: string };
      if (code === '42P01' || code === '3F000')
        throw new ScenarioError(
          `source.managed.workload: the workload writes to the shop's tables, and ${message}`,
          [{ path: 'source.managed.workload', problem: `the fixtures do not create the shop's tables`, fix: SHOP_FIX }],
          { hint: SHOP_FIX },
        );
      throw error;
    }
  };
  const customerIds = (await ids('SELECT id::text AS id FROM shop.customers ORDER BY id')).map(Number);
  const productIds = (await ids('SELECT id::text AS id FROM shop.products ORDER BY id')).map(Number);
  const orderIds = await ids('SELECT id::text AS id FROM shop.orders ORDER BY id');
  if (customerIds.length === 0 || productIds.length === 0) {
    throw new RecoverableError('workload-failed', 'workload found no customers or products', {
      hint: 'load fixtures/shop.sql into the source database before running the workload',
    });
  }
  return { client, prng, customerIds, productIds, orderIds, counts: { inserted: 0, updated: 0, deleted: 0 } };
}

// Draw the next transaction kind from the weights.
function chooseKind(prng: Prng): TransactionKind {
  let roll = prng.next();
  for (const [kind, weight] of KIND_WEIGHTS) {
    if (roll < weight) return kind;
    roll -= weight;
  }
  return 'new-order';
}

// One BEGIN..COMMIT; on failure roll back and report which transaction broke.
async function runTransaction(state: WorkloadState, kind: TransactionKind, index: number): Promise<void> {
  const { client } = state;
  try {
    await client.query('BEGIN');
    await TRANSACTIONS[kind](state);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new RecoverableError('workload-failed', `workload transaction ${index} (${kind}) failed: ${reason}`, {
      cause: error,
    });
  }
}

const TRANSACTIONS: Record<TransactionKind, (state: WorkloadState) => Promise<void>> = {
  'new-order': newOrder,
  'advance-order': advanceOrder,
  'delete-order': deleteOrder,
  restock,
  'customer-note': customerNote,
  attachment,
};

// Run a named (prepared once per connection) statement and return its rows and row count.
async function exec<R extends pg.QueryResultRow = pg.QueryResultRow>(
  client: pg.Client,
  name: string,
  text: string,
  values: unknown[],
): Promise<{ rows: R[]; rowCount: number }> {
  const result = await client.query<R>({ name: `recoverable_workload_${name}`, text, values });
  return { rows: result.rows, rowCount: result.rowCount ?? 0 };
}

// An order of 1-4 distinct products, its lines, and the stock it takes (never below zero).
async function newOrder(state: WorkloadState): Promise<void> {
  const { client, prng } = state;
  const productIds = prng.sample(state.productIds, prng.int(1, 4));
  const quantities = productIds.map(() => prng.int(1, 5));
  const orderedAt = new Date(ORDER_TIME_START_MS + prng.int(0, ORDER_TIME_SPAN_SECONDS) * 1000).toISOString();
  const shipWithin = `P${prng.int(1, 7)}DT${prng.int(0, 23)}H${prng.int(0, 59)}M`;
  const note = prng.chance(0.2) ? `workload note ${prng.uint32().toString(16)}` : null;

  const order = await exec<{ id: string }>(
    client,
    'insert_order',
    `INSERT INTO shop.orders (customer_id, ordered_at, status, total, ship_within, note)
     SELECT $1, $2::timestamptz, 'pending', coalesce(sum(p.price * x.qty), 0), $3::interval, $4
     FROM unnest($5::int[], $6::int[]) AS x(product_id, qty) JOIN shop.products AS p ON p.id = x.product_id
     RETURNING id::text AS id`,
    [prng.pick(state.customerIds), orderedAt, shipWithin, note, productIds, quantities],
  );
  const orderId = order.rows[0]?.id;
  // Cannot happen: an insert of one row with RETURNING returns that row.
  if (orderId === undefined) throw new Error('insert into shop.orders returned no id');

  // ORDER BY fixes the order identity values are drawn in, whatever join the planner picks.
  const lines = await exec(
    client,
    'insert_lines',
    `INSERT INTO shop.order_lines (order_id, ordered_at, line_no, product_id, quantity, unit_price)
     SELECT o.id, o.ordered_at, x.line_no, x.product_id, x.qty, p.price
     FROM shop.orders AS o
     CROSS JOIN unnest($2::int[], $3::int[]) WITH ORDINALITY AS x(product_id, qty, line_no)
     JOIN shop.products AS p ON p.id = x.product_id
     WHERE o.id = $1::bigint
     ORDER BY x.line_no`,
    [orderId, productIds, quantities],
  );
  const stock = await exec(
    client,
    'take_stock',
    `UPDATE shop.products AS p SET stock = greatest(p.stock - x.qty, 0)
     FROM unnest($1::int[], $2::int[]) AS x(product_id, qty) WHERE p.id = x.product_id`,
    [productIds, quantities],
  );

  state.orderIds.push(orderId);
  state.counts.inserted += order.rowCount + lines.rowCount;
  state.counts.updated += stock.rowCount;
}

// Move an order one step on (pending -> paid -> shipped -> delivered); paying draws an invoice number.
async function advanceOrder(state: WorkloadState): Promise<void> {
  if (state.orderIds.length === 0) return newOrder(state);
  const result = await exec(
    state.client,
    'advance_order',
    `UPDATE shop.orders SET
       status = CASE status WHEN 'pending' THEN 'paid' WHEN 'paid' THEN 'shipped' WHEN 'shipped' THEN 'delivered'
                ELSE status END::shop.order_status,
       invoice_no = CASE WHEN status = 'pending' THEN nextval('shop.invoice_seq') ELSE invoice_no END
     WHERE id = $1::bigint`,
    [state.prng.pick(state.orderIds)],
  );
  state.counts.updated += result.rowCount;
}

// Delete an order; its lines and attachments go with it (ON DELETE CASCADE).
async function deleteOrder(state: WorkloadState): Promise<void> {
  if (state.orderIds.length === 0) return newOrder(state);
  const at = state.prng.int(0, state.orderIds.length - 1);
  const result = await exec(state.client, 'delete_order', 'DELETE FROM shop.orders WHERE id = $1::bigint', [
    state.orderIds[at],
  ]);
  // Swap-remove keeps the list deterministic without shifting it.
  state.orderIds[at] = state.orderIds[state.orderIds.length - 1] as string;
  state.orderIds.pop();
  state.counts.deleted += result.rowCount;
}

// Add stock to a product, sometimes with a price change (exact numeric arithmetic in SQL).
async function restock(state: WorkloadState): Promise<void> {
  const { prng } = state;
  const factor = prng.chance(0.3) ? (0.9 + prng.int(0, 20) / 100).toFixed(2) : '1.00';
  const result = await exec(
    state.client,
    'restock',
    `UPDATE shop.products SET stock = stock + $2, price = round(price * $3::numeric, 2) WHERE id = $1`,
    [prng.pick(state.productIds), prng.int(1, 50), factor],
  );
  state.counts.updated += result.rowCount;
}

// Touch a customer: loyalty points and a note.
async function customerNote(state: WorkloadState): Promise<void> {
  const { prng } = state;
  const result = await exec(
    state.client,
    'customer_note',
    `UPDATE shop.customers SET loyalty_points = loyalty_points + $2, notes = $3 WHERE id = $1`,
    [prng.pick(state.customerIds), prng.int(1, 20), `called about order, ref ${prng.uint32().toString(16)}`],
  );
  state.counts.updated += result.rowCount;
}

// A TOAST-sized attachment (text > 8 kB, bytea, jsonb); sometimes a TOAST-sized product description too.
async function attachment(state: WorkloadState): Promise<void> {
  const { client, prng } = state;
  if (state.orderIds.length === 0) return newOrder(state);
  const orderId = prng.pick(state.orderIds);
  const pages = Array.from({ length: 120 }, (_, n) => ({ n, digest: randomHex(prng, 32) }));
  const inserted = await exec(
    client,
    'insert_attachment',
    `INSERT INTO shop.attachments (order_id, ordered_at, file_name, body, payload, meta)
     SELECT o.id, o.ordered_at, $2, $3, $4, $5::jsonb FROM shop.orders AS o WHERE o.id = $1::bigint`,
    [
      orderId,
      `scan-${orderId}-${prng.uint32().toString(16)}.pdf`,
      randomHex(prng, 12_000),
      randomBytes(prng, 9_000),
      JSON.stringify({ order: orderId, pages }),
    ],
  );
  state.counts.inserted += inserted.rowCount;

  if (prng.chance(0.3)) {
    const updated = await exec(client, 'describe_product', 'UPDATE shop.products SET description = $2 WHERE id = $1', [
      prng.pick(state.productIds),
      randomHex(prng, 10_000),
    ]);
    state.counts.updated += updated.rowCount;
  }
}

// Rebuild the materialized view outside any transaction block.
async function refreshDailySales(client: pg.Client): Promise<void> {
  await client.query('REFRESH MATERIALIZED VIEW reporting.daily_sales');
}

// Hex digits are barely compressible, so values this size really go out of line to TOAST.
function randomHex(prng: Prng, length: number): string {
  let text = '';
  while (text.length < length) text += prng.uint32().toString(16).padStart(8, '0');
  return text.slice(0, length);
}

// Seeded bytes for bytea columns.
function randomBytes(prng: Prng, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 4) {
    const word = prng.uint32();
    for (let b = 0; b < 4 && i + b < length; b++) bytes[i + b] = (word >>> (b * 8)) & 0xff;
  }
  return bytes;
}
