import { runShard } from '../helpers/suite.js'

await runShard('orders')
