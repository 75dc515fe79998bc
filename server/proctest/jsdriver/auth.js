// Checks that wrong credentials fail with Unauthorized: node auth.js URL user password
'use strict'
const neo4j = require('neo4j-driver')
const [url, user, password] = process.argv.slice(2)
async function main () {
  const bad = neo4j.driver(url, neo4j.auth.basic(user, password + 'x'))
  try {
    await bad.executeQuery('RETURN 1')
    console.log('FAIL: wrong password accepted')
    process.exitCode = 1
  } catch (e) {
    if (e.code !== 'Neo.ClientError.Security.Unauthorized') {
      console.log(`FAIL: wrong password gave ${e.code}: ${e.message}`)
      process.exitCode = 1
    } else {
      console.log('ok unauthorized')
    }
  } finally {
    await bad.close()
  }
  const good = neo4j.driver(url, neo4j.auth.basic(user, password))
  await good.executeQuery('RETURN 1')
  console.log('ok authorized')
  await good.close()
}
main().catch(e => { console.log(`FAIL: ${e.stack || e}`); process.exit(1) })
