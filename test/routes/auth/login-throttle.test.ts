import { suite } from '../../helpers/suite.js'
import { LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT, LOGIN_FAILURES_PER_CLIENT } from '../../../routes/auth/login-throttle.js'
import { buildTestApp } from '../../helpers/app.js'
import { login, PASSWORD, register } from '../../helpers/auth-flow.js'

const ATTACKER = '203.0.113.66'
const ADMIN_IP = '198.51.100.7'

export default suite(import.meta, (t) => {
  t.test('a client hammering an account is throttled; nobody else is locked out', async (t) => {
    const app = await buildTestApp(t)
    await register(app, { email: 'admin@example.com', password: PASSWORD })
    await app.db.updateTable('users').set({ role: 'admin' }).where('email', '=', 'admin@example.com').execute()

    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT; i++) {
      t.equal((await login(app, 'admin@example.com', `guess-${i}`, ATTACKER)).statusCode, 401, `attacker guess ${i + 1}: 401`)
    }
    const throttled = await login(app, 'admin@example.com', 'guess-next', ATTACKER)
    t.equal(throttled.statusCode, 429, 'the attacker is throttled')
    t.equal(throttled.json().code, 'RATE_LIMITED')
    t.ok(Number(throttled.headers['retry-after']) >= 1, 'with Retry-After')

    const owner = await login(app, 'admin@example.com', PASSWORD, ADMIN_IP)
    t.equal(owner.statusCode, 200, 'the owner, from a clean client, logs in with the right password')
    t.equal((await login(app, 'Admin@Example.com', PASSWORD, ATTACKER)).statusCode, 429, 'the attacker with the right password while throttled: 429')

    // The owner's success does not lift the attacker's block, and the owner's own typos count apart.
    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT - 1; i++) await login(app, 'admin@example.com', `typo-${i}`, ADMIN_IP)
    t.equal((await login(app, 'admin@example.com', PASSWORD, ADMIN_IP)).statusCode, 200, 'the owner is not blocked by its own few typos')
    t.equal((await login(app, 'admin@example.com', 'guess-after', ATTACKER)).statusCode, 429, 'the attacker is still throttled')
  })

  t.test('guessing is bounded per client across emails, and unknown emails count like known ones', async (t) => {
    const app = await buildTestApp(t)
    await register(app, { email: 'someone@example.com', password: PASSWORD })
    let failures = 0
    // Spread over many emails, never more than the per-pair budget on one.
    for (let i = 0; failures < LOGIN_FAILURES_PER_CLIENT; i++) {
      for (let j = 0; j < LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT - 1 && failures < LOGIN_FAILURES_PER_CLIENT; j++, failures++) {
        t.equal((await login(app, `target-${i}@example.com`, `guess-${j}`, ATTACKER)).statusCode, 401)
      }
    }
    const blocked = await login(app, 'someone@example.com', PASSWORD, ATTACKER)
    t.equal(blocked.statusCode, 429, `after ${LOGIN_FAILURES_PER_CLIENT} failures over several emails the client is throttled for every email`)
    t.equal((await login(app, 'someone@example.com', PASSWORD, ADMIN_IP)).statusCode, 200, 'other clients are not')

    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT; i++) t.equal((await login(app, 'ghost@example.com', `guess-${i}`, ADMIN_IP)).statusCode, 401)
    t.equal((await login(app, 'ghost@example.com', 'guess', ADMIN_IP)).statusCode, 429, 'an unknown email is throttled the same way (existence is not revealed)')
  })

  t.test('correct logins made at the same moment are all answered, however many (an app server logging users in)', async (t) => {
    const app = await buildTestApp(t)
    await register(app, { email: 'busy@example.com', password: PASSWORD })
    const statuses = await Promise.all(Array.from({ length: 30 }, async () => (await login(app, 'busy@example.com', PASSWORD, ATTACKER)).statusCode))
    t.same([...new Set(statuses)], [200], '30 at once from one client: all 200')
  })

  t.test('successful logins never use up the client\'s budget', async (t) => {
    const app = await buildTestApp(t)
    await register(app, { email: 'someone@example.com', password: PASSWORD })
    for (let i = 0; i < LOGIN_FAILURES_PER_CLIENT - 1; i++) await login(app, `target-${i}@example.com`, 'guess', ATTACKER)
    for (let i = 0; i < 3; i++) t.equal((await login(app, 'someone@example.com', PASSWORD, ATTACKER)).statusCode, 200, `success ${i + 1} with one failure left`)
    t.equal((await login(app, 'other@example.com', 'guess', ATTACKER)).statusCode, 401, 'the last failure of the budget is still there')
    t.equal((await login(app, 'someone@example.com', PASSWORD, ATTACKER)).statusCode, 429, 'then the client is throttled')
  })

  t.test('IPv6 clients are counted by /64, as the request limit counts them', async (t) => {
    const app = await buildTestApp(t)
    await register(app, { email: 'target@example.com', password: PASSWORD })
    for (let i = 1; i <= LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT; i++) {
      t.equal((await login(app, 'target@example.com', `guess-${i}`, `2001:db8::${i}`)).statusCode, 401)
    }
    t.equal((await login(app, 'target@example.com', 'guess', '2001:db8::ffff')).statusCode, 429, 'another address of the same /64 is the same client')
    t.equal((await login(app, 'target@example.com', PASSWORD, '2001:db8:0:1::1')).statusCode, 200, 'the next /64 is another client')
  })
})
