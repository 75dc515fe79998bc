// Runs the npm neo4j-driver against a Quiver server: node test.js URL [user password]
'use strict'
const neo4j = require('neo4j-driver')
const assert = require('assert')

const [url, user, password] = process.argv.slice(2)
const auth = user ? neo4j.auth.basic(user, password) : undefined
const driver = neo4j.driver(url, auth, { disableLosslessIntegers: false })

async function roundTrip () {
  const v = {
    int: neo4j.int(-12345678901),
    float: 2.5,
    str: 'héllo',
    bool: true,
    nul: null,
    list: [neo4j.int(1), 'a', null],
    map: { k: neo4j.int(1) },
    date: new neo4j.types.Date(2024, 2, 29),
    localTime: new neo4j.types.LocalTime(13, 14, 15, 16),
    time: new neo4j.types.Time(13, 14, 15, 16, 3600),
    localDateTime: new neo4j.types.LocalDateTime(2020, 1, 2, 3, 4, 5, 6),
    dateTimeOffset: new neo4j.types.DateTime(2020, 1, 2, 3, 4, 5, 6, -18000),
    dateTimeZone: new neo4j.types.DateTime(2021, 7, 1, 12, 0, 0, 0, 7200, 'Europe/Berlin'),
    duration: new neo4j.types.Duration(14, 3, 61, 9),
    point2d: new neo4j.types.Point(neo4j.int(7203), 1.5, -2),
    point3d: new neo4j.types.Point(neo4j.int(9157), 1, 2, 3)
  }
  for (const [name, value] of Object.entries(v)) {
    const { records } = await driver.executeQuery('RETURN $v AS v', { v: value })
    const got = records[0].get('v')
    assert.strictEqual(String(got), String(value), `${name}: got ${got}, want ${value}`)
  }
}

async function graph () {
  const { records, summary } = await driver.executeQuery(
    'CREATE p = (a:A {x: 1})-[r:R {w: 2}]->(b:B) RETURN a, r, b, p')
  const [a, r, b, p] = ['a', 'r', 'b', 'p'].map(k => records[0].get(k))
  assert.deepStrictEqual(a.labels, ['A'])
  assert.strictEqual(r.type, 'R')
  assert.strictEqual(r.startNodeElementId, a.elementId)
  assert.strictEqual(r.endNodeElementId, b.elementId)
  assert.strictEqual(p.segments.length, 1)
  assert.strictEqual(summary.counters.updates().nodesCreated, 2)
  assert.strictEqual(summary.counters.containsUpdates(), true)
}

async function transactions () {
  const session = driver.session()
  try {
    let tx = await session.beginTransaction()
    await tx.run('CREATE (:T {v: 1})')
    await tx.rollback()
    tx = await session.beginTransaction()
    await tx.run('CREATE (:T {v: 2})')
    await tx.commit()
    const vs = await session.executeRead(async tx => {
      const res = await tx.run('MATCH (n:T) RETURN n.v AS v')
      return res.records.map(r => r.get('v').toNumber())
    })
    assert.deepStrictEqual(vs, [2])
    await session.executeWrite(tx => tx.run('MATCH (n:T) SET n.v = 3'))
    assert.ok(session.lastBookmarks().length > 0, 'bookmark after a write')
  } finally {
    await session.close()
  }
}

async function errors () {
  await assert.rejects(driver.executeQuery('RETRN 1'), e => e.code === 'Neo.ClientError.Statement.SyntaxError')
  // Plain JS numbers arrive as Floats. The engine does not yet coerce an
  // integral Float where range() or LIMIT need an Integer, so these are
  // sent as Integers.
  const { records } = await driver.executeQuery('UNWIND range(1, $n) AS x RETURN x LIMIT $l', { n: neo4j.int(10), l: neo4j.int(3) })
  assert.strictEqual(records.length, 3)
}

async function batches () {
  await driver.executeQuery('UNWIND range(1, 5000) AS i CREATE (:Big {i: i})')
  const session = driver.session({ fetchSize: 100, defaultAccessMode: neo4j.session.READ })
  try {
    let n = 0
    let sum = 0
    const res = session.run('MATCH (n:Big) RETURN n.i AS i')
    for await (const rec of res) {
      n++
      sum += rec.get('i').toNumber()
    }
    assert.strictEqual(n, 5000)
    assert.strictEqual(sum, 5000 * 5001 / 2)
  } finally {
    await session.close()
  }
}

async function main () {
  await driver.verifyConnectivity()
  await driver.executeQuery('MATCH (n) DETACH DELETE n')
  for (const [name, f] of Object.entries({ roundTrip, graph, transactions, errors, batches })) {
    try {
      await f()
      console.log(`ok ${name}`)
    } catch (e) {
      console.log(`FAIL ${name}: ${e.stack || e}`)
      process.exitCode = 1
    }
  }
  await driver.close()
}

main().catch(e => { console.log(`FAIL: ${e.stack || e}`); process.exit(1) })
