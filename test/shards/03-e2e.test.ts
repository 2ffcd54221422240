import { runShard } from '../helpers/suite.js'

await runShard('e2e')
