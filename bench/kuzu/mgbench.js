// Runs the mgbench-style read workloads of Quiver's BenchmarkMgbench
// (server/drivertest/bench_test.go) on Kuzu, embedded in-process (no
// network, no driver), over the very graph that benchmark generates: run it
// with QUIVER_BENCH_CSV=dir first, then `node mgbench.js dir`.
//
// Environment: QUIVER_BENCH_SECONDS (default 3) sets each workload's
// duration, KUZU_BENCH_CLIENTS (default 12) the concurrent clients, each
// with its own Connection. The number of users is read from users.csv.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const kuzu = require("kuzu");

const WORKLOADS = [
  ["single_vertex_read", "MATCH (n:User {id: $id}) RETURN n", true],
  ["expansion_1", "MATCH (s:User {id: $id})-->(n:User) RETURN n.id", true],
  ["expansion_2", "MATCH (s:User {id: $id})-->()-->(n:User) RETURN DISTINCT n.id", true],
  ["expansion_3", "MATCH (s:User {id: $id})-->()-->()-->(n:User) RETURN DISTINCT n.id", true],
  ["aggregate", "MATCH (n:User) RETURN n.age, count(*)", false],
];

function envInt(name, def) {
  const v = parseInt(process.env[name] || "", 10);
  return v > 0 ? v : def;
}

// countLines returns the data rows of a CSV file with a header line.
function countLines(file) {
  const text = fs.readFileSync(file, "utf8");
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n - 1;
}

// rng is a small seeded generator (mulberry32) so each client draws its ids
// reproducibly, as each Go client does from its own seed.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function load(conn, dir) {
  const q = async (s) => (await conn.query(s)).close();
  await q("CREATE NODE TABLE User(id INT64, age INT64, name STRING, PRIMARY KEY (id))");
  await q("CREATE REL TABLE Friend(FROM User TO User)");
  const t0 = process.hrtime.bigint();
  await q(`COPY User FROM '${path.join(dir, "users.csv")}' (header=true)`);
  await q(`COPY Friend FROM '${path.join(dir, "friends.csv")}' (header=true)`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

// checkCounts fails unless Kuzu holds exactly the users and edges of the CSV.
async function checkCounts(conn, users, edges) {
  const count = async (s) => {
    const res = await conn.query(s);
    const rows = await res.getAll();
    res.close();
    return Number(rows[0].c);
  };
  const u = await count("MATCH (n:User) RETURN count(*) AS c");
  const e = await count("MATCH ()-[f:Friend]->() RETURN count(*) AS c");
  if (u !== users || e !== edges) {
    throw new Error(`loaded ${u} users and ${e} edges, want ${users} and ${edges}`);
  }
}

// client runs one workload until deadline on conn, pushing latencies in ms.
async function client(conn, stmt, withId, users, seed, deadline, lat, errs) {
  const r = rng(seed);
  while (process.hrtime.bigint() < deadline) {
    const t0 = process.hrtime.bigint();
    try {
      const params = withId ? { id: Math.floor(r() * users) } : {};
      const res = await conn.execute(stmt, params);
      await res.getAll();
      res.close();
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    } catch (e) {
      if (errs.n++ === 0) console.error(e.message);
    }
  }
}

async function run(conns, query, withId, users, secs) {
  const stmts = await Promise.all(conns.map((c) => c.prepare(query)));
  const lat = [];
  const errs = { n: 0 };
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage(); // the whole process: Kuzu's worker threads too
  const deadline = start + BigInt(secs) * 1000000000n;
  await Promise.all(conns.map((c, g) => client(c, stmts[g], withId, users, g + 1, deadline, lat, errs)));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  const q = (f) => (lat.length ? lat[Math.floor(lat.length * f)] : 0);
  const cpuPerQuery = lat.length ? (cpu.user + cpu.system) / lat.length : 0;
  return { qps: lat.length / elapsed, p50: q(0.5), p99: q(0.99), errs: errs.n, cpu: cpuPerQuery };
}

async function main() {
  const dir = process.argv[2];
  if (!dir || !fs.existsSync(path.join(dir, "users.csv")) || !fs.existsSync(path.join(dir, "friends.csv"))) {
    console.error("usage: node mgbench.js DIR  (DIR holds users.csv and friends.csv written by QUIVER_BENCH_CSV=DIR make bench-mgbench)");
    process.exit(2);
  }
  const secs = envInt("QUIVER_BENCH_SECONDS", 3);
  const nclients = envInt("KUZU_BENCH_CLIENTS", 12);
  const users = countLines(path.join(dir, "users.csv"));
  const edges = countLines(path.join(dir, "friends.csv"));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kuzu-mgbench-"));
  const db = new kuzu.Database(path.join(tmp, "db"));
  try {
    const conns = Array.from({ length: nclients }, () => new kuzu.Connection(db));
    console.log(`kuzu ${kuzu.VERSION}: ${users} users, ${edges} Friend edges, ${nclients} clients in-process, ${secs} s per workload`);
    const loadSecs = await load(conns[0], dir);
    await checkCounts(conns[0], users, edges);
    console.log(`${"copy_load".padEnd(20)} ${(edges / loadSecs).toFixed(0).padStart(9)} edges/s  (COPY FROM CSV of users and edges, ${loadSecs.toFixed(2)} s)`);
    for (const [name, query, withId] of WORKLOADS) {
      const r = await run(conns, query, withId, users, secs);
      console.log(`${name.padEnd(20)} ${r.qps.toFixed(0).padStart(9)} qps  p50 ${r.p50.toFixed(2).padStart(7)} ms  p99 ${r.p99.toFixed(2).padStart(7)} ms  cpu ${r.cpu.toFixed(0).padStart(6)} us/query  errors ${r.errs}`);
    }
    for (const c of conns) await c.close();
  } finally {
    await db.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
