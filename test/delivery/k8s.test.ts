import { existsSync } from 'node:fs'
import { suite } from '../helpers/suite.js'
import { loadConfig } from '../../lib/config.js'
import { APP_ENV_NAMES, at, list, listRepoDir, readRepoFile, readYaml, record, stringMap, text, type Json } from './files.js'
import {
  containers, find, loadObjects, manifestFiles, podLabels, podSpec, selectedWorkloads, selects, validateStrict, workloads,
  type ContainerRef, type K8sObject
} from './k8s.js'

const objects = loadObjects()
const configMap = find(objects, 'ConfigMap', 'goshop-config')
const secret = find(objects, 'Secret', 'goshop-secrets')
const configData = stringMap(configMap.body.data, 'ConfigMap data')
const secretData = stringMap(secret.body.stringData, 'Secret stringData')
const goshop = find(objects, 'Deployment', 'goshop')
const postgres = find(objects, 'StatefulSet', 'postgres')
const redis = find(objects, 'Deployment', 'redis')

const allContainers = (): ContainerRef[] => workloads(objects).flatMap(containers)
const label = (c: ContainerRef): string => `${c.workload.kind}/${c.workload.name} ${c.init ? 'init ' : ''}container ${c.name}`

/** containerPort of a probe/service port given by name or number. */
function containerPort (c: ContainerRef, port: unknown): number | undefined {
  if (typeof port === 'number') return port
  const ports = c.container.ports === undefined ? [] : list(c.container.ports, 'ports')
  const match = ports.map((p) => record(p, 'port')).find((p) => p.name === port)
  return typeof match?.containerPort === 'number' ? match.containerPort : undefined
}

export default suite(import.meta, (t) => {
  t.test('every manifest validates against the Kubernetes schemas, with no unknown fields', async (t) => {
    t.ok(objects.length >= 10, `${objects.length} objects in k8s/`)
    for (const object of objects) {
      let unknown: string[] = []
      t.doesNotThrow(() => { unknown = validateStrict(object) }, `${object.file}: ${object.kind}/${object.name} is schema-valid`)
      t.same(unknown, [], `${object.kind}/${object.name}: no unknown fields`)
    }
    const kinds = new Set(objects.map((o) => o.kind))
    for (const kind of ['Namespace', 'ConfigMap', 'Secret', 'StatefulSet', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']) {
      t.ok(kinds.has(kind), `k8s/ has a ${kind}`)
    }
  })

  t.test('the schema check catches what kubectl would reject', async (t) => {
    const typo: K8sObject = { ...goshop, body: { ...goshop.body, spec: { ...record(goshop.body.spec, 'spec'), replica: 2 } } }
    t.same(validateStrict(typo), ['/spec/replica'], 'an unknown field is reported')
    const wrongType: K8sObject = { ...goshop, body: { ...goshop.body, spec: { ...record(goshop.body.spec, 'spec'), replicas: 'two' } } }
    t.throws(() => validateStrict(wrongType), /replicas must be integer/, 'a wrong type throws')
  })

  t.test('one namespace, goshop, holds everything; kubectl apply -f creates it first', async (t) => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace')
    t.same(namespaces.map((n) => n.name), ['goshop'])
    t.equal(objects[0]?.kind, 'Namespace', 'the first object kubectl apply -f k8s/ meets is the Namespace')
    t.equal(stringMap(at(namespaces[0]?.body, 'metadata', 'labels'), 'ns labels')['pod-security.kubernetes.io/enforce'], 'restricted')
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
      t.equal(at(object.body, 'metadata', 'namespace'), 'goshop', `${object.kind}/${object.name} is in namespace goshop`)
    }
  })

  t.test('the kustomization lists every manifest, and kubectl apply -f k8s/ can read the directory', async (t) => {
    const kustomization = readYaml('k8s/Kustomization')
    t.equal(kustomization.kind, 'Kustomization')
    const resources = list(kustomization.resources, 'resources').map((r) => text(r, 'resource'))
    t.same([...resources].sort(), manifestFiles(), 'resources = every manifest file in k8s/')
    t.equal(new Set(resources).size, resources.length, 'no file listed twice')
    t.notOk(listRepoDir('k8s').some((f) => /^kustomization\.ya?ml$/.test(f)),
      'no kustomization.yaml: `kubectl apply -f k8s/` would try to apply it and fail')
  })

  t.test('names, labels and selectors are consistent', async (t) => {
    for (const object of objects) {
      const labels = stringMap(at(object.body, 'metadata', 'labels'), `${object.name} labels`)
      t.equal(labels['app.kubernetes.io/part-of'], 'goshop', `${object.kind}/${object.name} part-of goshop`)
      if (object.kind !== 'Namespace') t.ok(labels['app.kubernetes.io/name'], `${object.kind}/${object.name} has app.kubernetes.io/name`)
    }
    for (const workload of workloads(objects)) {
      const selector = stringMap(at(workload.body, 'spec', 'selector', 'matchLabels'), 'matchLabels')
      t.ok(selects(selector, podLabels(workload)), `${workload.name}: selector matches its pod template`)
      t.equal(podLabels(workload)['app.kubernetes.io/name'], workload.name, `${workload.name}: pods named after the workload`)
      t.same(selectedWorkloads(objects, selector), [workload.name], `${workload.name}: selector picks no other workload's pods`)
    }
    for (const service of objects.filter((o) => o.kind === 'Service')) {
      const selected = selectedWorkloads(objects, stringMap(at(service.body, 'spec', 'selector'), 'service selector'))
      t.same(selected, [service.name], `Service ${service.name} routes to the ${service.name} pods only`)
      const workload = find(objects, selected[0] === 'postgres' ? 'StatefulSet' : 'Deployment', service.name)
      const main = containers(workload).filter((c) => !c.init)
      for (const port of list(at(service.body, 'spec', 'ports'), 'service ports').map((p) => record(p, 'port'))) {
        const target = port.targetPort ?? port.port
        t.ok(main.some((c) => containerPort(c, target) !== undefined), `Service ${service.name} targetPort ${String(target)} exists`)
        t.equal(main.map((c) => containerPort(c, target)).find((p) => p !== undefined), port.port, `Service ${service.name} port = container port`)
      }
    }
    t.equal(at(postgres.body, 'spec', 'serviceName'), 'postgres')
    t.equal(at(find(objects, 'Service', 'postgres').body, 'spec', 'clusterIP'), 'None', 'the StatefulSet governing Service is headless')
    t.equal(at(find(objects, 'Service', 'goshop').body, 'spec', 'type'), 'NodePort', '`minikube service goshop -n goshop` needs a NodePort')
    t.equal(configData.DB_HOST, 'postgres', 'the app connects to the postgres Service')
    t.equal(configData.REDIS_HOST, 'redis', 'the app connects to the redis Service')
    t.equal(configData.DB_PORT, '5432')
    t.equal(configData.REDIS_PORT, '6379')
  })

  t.test('goshop Deployment: replicas, image, probes and ports', async (t) => {
    t.ok(Number(at(goshop.body, 'spec', 'replicas')) >= 2, 'at least 2 replicas')
    t.equal(at(goshop.body, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable'), 0, 'rollouts never drop below the replica count')
    const app = containers(goshop).find((c) => c.name === 'goshop')
    if (app === undefined) throw new Error('no goshop container')
    for (const c of containers(goshop)) {
      t.equal(c.container.image, 'goshop-api:latest', `${label(c)}: the locally built image`)
      t.equal(c.container.imagePullPolicy, 'IfNotPresent', `${label(c)}: no pull for a minikube-built image`)
    }
    t.equal(containerPort(app, 'http'), 8080)
    t.equal(Number(configData.PORT), 8080, 'ConfigMap PORT = containerPort')
    const probePath = (kind: string): unknown => at(app.container, kind, 'httpGet', 'path')
    t.equal(probePath('startupProbe'), '/health/live')
    t.equal(probePath('livenessProbe'), '/health/live')
    t.equal(probePath('readinessProbe'), '/health/ready')
    for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      t.equal(containerPort(app, at(app.container, kind, 'httpGet', 'port')), 8080, `${kind} targets the app port`)
    }
    const annotations = stringMap(at(goshop.body, 'spec', 'template', 'metadata', 'annotations'), 'annotations')
    t.equal(annotations['prometheus.io/scrape'], 'true')
    t.equal(Number(annotations['prometheus.io/port']), 9464, 'scraped on the metrics listener')
    t.equal(containerPort(app, 'metrics'), 9464)
    t.equal(Number(configData.METRICS_PORT), 9464, 'ConfigMap METRICS_PORT = the metrics containerPort')
    t.equal(annotations['prometheus.io/path'], '/metrics')
  })

  t.test('every container: non-root, read-only root, no privilege escalation, no capabilities, resources set', async (t) => {
    for (const c of allContainers()) {
      const pod = record(podSpec(c.workload).securityContext, `${c.workload.name} pod securityContext`)
      const sc = record(c.container.securityContext, `${label(c)} securityContext`)
      t.equal(sc.runAsNonRoot ?? pod.runAsNonRoot, true, `${label(c)}: runAsNonRoot`)
      const uid = sc.runAsUser ?? pod.runAsUser
      t.ok(typeof uid === 'number' && uid > 0, `${label(c)}: numeric non-zero uid (${String(uid)})`)
      t.equal(sc.allowPrivilegeEscalation, false, `${label(c)}: allowPrivilegeEscalation false`)
      t.equal(sc.readOnlyRootFilesystem, true, `${label(c)}: readOnlyRootFilesystem`)
      t.same(at(sc, 'capabilities', 'drop'), ['ALL'], `${label(c)}: drops ALL capabilities`)
      t.equal(at(sc, 'seccompProfile', 'type') ?? at(pod, 'seccompProfile', 'type'), 'RuntimeDefault', `${label(c)}: seccomp RuntimeDefault`)
      for (const kind of ['requests', 'limits']) {
        const resources = record(at(c.container, 'resources', kind), `${label(c)} resources.${kind}`)
        t.ok(resources.cpu !== undefined && resources.memory !== undefined, `${label(c)}: ${kind} for cpu and memory`)
      }
      t.notOk(c.container.env !== undefined && c.workload.name === 'goshop', `${label(c)}: configuration only from the ConfigMap/Secret`)
    }
    for (const c of containers(goshop)) {
      const sc = record(c.container.securityContext, 'sc')
      t.equal(sc.runAsUser ?? at(podSpec(goshop), 'securityContext', 'runAsUser'), 1000, `${label(c)}: uid 1000 (node)`)
      const mounts = list(c.container.volumeMounts, 'volumeMounts').map((m) => record(m, 'mount'))
      const tmp = mounts.find((m) => m.mountPath === '/tmp')
      t.ok(tmp, `${label(c)}: writable /tmp`)
      const volume = list(podSpec(goshop).volumes, 'volumes').map((v) => record(v, 'volume')).find((v) => v.name === tmp?.name)
      t.ok(volume?.emptyDir !== undefined, `${label(c)}: /tmp is an emptyDir`)
    }
    for (const workload of workloads(objects)) {
      const spec = podSpec(workload)
      // A Service named redis would inject REDIS_PORT=tcp://..., which the app rejects.
      t.equal(spec.enableServiceLinks, false, `${workload.name}: no service-link environment variables`)
      t.equal(spec.automountServiceAccountToken, false, `${workload.name}: no API token mounted`)
    }
  })

  t.test('shutdown: preStop delay + SHUTDOWN_TIMEOUT_MS fit in terminationGracePeriodSeconds', async (t) => {
    const app = containers(goshop).find((c) => c.name === 'goshop')
    const command = list(at(app?.container, 'lifecycle', 'preStop', 'exec', 'command'), 'preStop command').map((a) => text(a, 'arg'))
    t.equal(command[0], 'node', 'preStop uses node (the slim image has nothing else to rely on)')
    const preStopMs = Number(/setTimeout\([^,]+,\s*(\d+)\)/.exec(command.join(' '))?.[1])
    t.ok(preStopMs >= 3000, `preStop waits ${preStopMs} ms for endpoints to drain`)
    const drainMs = Number(configData.SHUTDOWN_TIMEOUT_MS)
    t.ok(drainMs > 0, 'SHUTDOWN_TIMEOUT_MS set in the ConfigMap')
    // server.ts may also keep serving (readiness 503) for SHUTDOWN_DRAIN_MS before closing; 0 unless set.
    const extraDrainMs = Number(configData.SHUTDOWN_DRAIN_MS ?? 0)
    const graceMs = Number(at(podSpec(goshop), 'terminationGracePeriodSeconds')) * 1000
    t.ok(graceMs > preStopMs + extraDrainMs + drainMs, `grace ${graceMs} ms > preStop ${preStopMs} + drain ${extraDrainMs} + in-flight ${drainMs}`)
  })

  t.test('migrations run in an init container, with the app image and configuration', async (t) => {
    const init = containers(goshop).filter((c) => c.init)
    t.equal(init.length, 1, 'one init container')
    const migrate = init[0]
    const app = containers(goshop).find((c) => !c.init)
    const command = list(migrate?.container.command, 'init command').map((a) => text(a, 'arg')).join(' ')
    t.match(command, /\bnode dist\/scripts\/migrate\.js\b/, 'runs the compiled migrate script')
    t.same(migrate?.container.envFrom, app?.container.envFrom, 'same ConfigMap and Secret as the app')
    t.equal(migrate?.container.image, app?.container.image, 'same image as the app')
    t.ok(existsSync(new URL('../../scripts/migrate.ts', import.meta.url)), 'scripts/migrate.ts exists')
    const build: unknown = JSON.parse(readRepoFile('tsconfig.build.json'))
    t.ok(list(at(build, 'include'), 'tsconfig.build include').includes('scripts'), 'the build compiles scripts/ to dist/scripts/')
    t.equal(configData.MIGRATE_ON_START, 'false', 'the app itself does not migrate again')
  })

  t.test('HPA, PDB and NetworkPolicies target the right pods', async (t) => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'goshop')
    t.same(at(hpa.body, 'spec', 'scaleTargetRef'), { apiVersion: 'apps/v1', kind: 'Deployment', name: 'goshop' })
    const min = Number(at(hpa.body, 'spec', 'minReplicas'))
    t.ok(min >= 2 && Number(at(hpa.body, 'spec', 'maxReplicas')) > min, 'HPA scales from >= 2 upwards')
    const metric = record(list(at(hpa.body, 'spec', 'metrics'), 'metrics')[0], 'metric')
    t.equal(at(metric, 'resource', 'name'), 'cpu')
    t.ok(at(containers(goshop).find((c) => !c.init)?.container, 'resources', 'requests', 'cpu'), 'CPU utilization needs a CPU request')

    const pdb = find(objects, 'PodDisruptionBudget', 'goshop')
    t.equal(at(pdb.body, 'spec', 'minAvailable'), 1)
    t.same(selectedWorkloads(objects, stringMap(at(pdb.body, 'spec', 'selector', 'matchLabels'), 'pdb selector')), ['goshop'])

    const policies = objects.filter((o) => o.kind === 'NetworkPolicy')
    for (const [target, port] of [[postgres, 5432], [redis, 6379]] as const) {
      const guarding = policies.filter((p) => selects(stringMap(at(p.body, 'spec', 'podSelector', 'matchLabels'), 'podSelector'), podLabels(target)))
      t.equal(guarding.length, 1, `one NetworkPolicy guards ${target.name}`)
      const policy = guarding[0]?.body
      t.same(at(policy, 'spec', 'policyTypes'), ['Ingress'])
      const rules = list(at(policy, 'spec', 'ingress'), 'ingress').map((r) => record(r, 'rule'))
      t.equal(rules.length, 1, `${target.name}: a single ingress rule`)
      const from = list(rules[0]?.from, 'from').map((f) => record(f, 'peer'))
      t.same(from.map((f) => Object.keys(f)), [['podSelector']], `${target.name}: only pods of this namespace, no IP blocks`)
      t.same(selectedWorkloads(objects, stringMap(at(from[0], 'podSelector', 'matchLabels'), 'from')), ['goshop'],
      `${target.name}: reachable from goshop pods only`)
      t.same(list(rules[0]?.ports, 'ports').map((p) => at(p, 'port')), [port], `${target.name}: only port ${port}`)
    }

    const guardingApi = policies.filter((p) => selects(stringMap(at(p.body, 'spec', 'podSelector', 'matchLabels'), 'podSelector'), podLabels(goshop)))
    t.equal(guardingApi.length, 1, 'one NetworkPolicy guards the API pods')
    const apiRules = list(at(guardingApi[0]?.body, 'spec', 'ingress'), 'ingress').map((r) => record(r, 'rule'))
    const rulesFor = (port: number): Array<Record<string, unknown>> => apiRules.filter((r) => list(r.ports, 'ports').some((p) => at(p, 'port') === port))
    t.same(rulesFor(8080).map((r) => r.from), [undefined], 'the API port: from anywhere (clients, probes)')
    const metricsFrom = rulesFor(9464).flatMap((r) => list(r.from, 'from').map((f) => record(f, 'peer')))
    t.same(metricsFrom.map((f) => Object.keys(f).sort()), [['namespaceSelector', 'podSelector']], 'the metrics port: only from selected pods of a selected namespace')
    t.same(at(metricsFrom[0], 'namespaceSelector', 'matchLabels'), { 'kubernetes.io/metadata.name': 'monitoring' })
    t.same(at(metricsFrom[0], 'podSelector', 'matchLabels'), { 'app.kubernetes.io/name': 'prometheus' })
    t.equal(apiRules.length, 2, 'no other way in')
  })

  t.test('ConfigMap and Secret hold only variables the app reads, and form a valid production configuration', async (t) => {
    for (const name of [...Object.keys(configData), ...Object.keys(secretData)]) {
      t.ok(APP_ENV_NAMES.has(name), `${name} is read by the app (schemas/env.ts)`)
    }
    t.same(Object.keys(configData).filter((k) => k in secretData), [], 'no variable defined twice')
    for (const name of ['JWT_SECRET', 'DB_PASSWORD', 'ADMIN_PASSWORD']) {
      t.ok(name in secretData, `${name} is in the Secret`)
      t.notOk(name in configData, `${name} is not in the ConfigMap`)
    }
    t.match(readRepoFile('k8s/11-secret.yaml'), /DEVELOPMENT VALUES ONLY/, 'the Secret says its values are for development')

    const config = loadConfig({ ...configData, ...secretData })
    t.equal(config.env, 'production')
    t.equal(config.host, '0.0.0.0', 'listens on all interfaces in the pod')
    t.equal(config.port, 8080)
    t.equal(config.migrateOnStart, false)
    t.equal(config.jwt.ephemeralSecret, false)
    t.match(config.redis, { url: 'redis://redis:6379', keyPrefix: 'goshop:' })
    if (config.database.kind !== 'postgres') throw new Error('expected Postgres')
    const url = new URL(config.database.url)
    t.same([url.hostname, url.port, url.username, decodeURIComponent(url.password), url.pathname],
      ['postgres', '5432', configData.DB_USER, secretData.DB_PASSWORD, `/${configData.DB_NAME ?? ''}`])
  })

  t.test('Postgres and Redis workloads', async (t) => {
    const db = containers(postgres)[0]
    if (db === undefined) throw new Error('no postgres container')
    t.match(text(db.container.image, 'image'), /^postgres:16\.\d+/, 'postgres 16, minor pinned')
    const env = list(db.container.env, 'postgres env').map((e) => record(e, 'env'))
    for (const entry of env) t.match(text(entry.name, 'env name'), /^(POSTGRES_|PG)/, 'postgres container: only POSTGRES_*/PG* variables')
    const ref = (name: string): Json => record(at(env.find((e) => e.name === name), 'valueFrom'), `${name} valueFrom`)
    t.same(ref('POSTGRES_PASSWORD'), { secretKeyRef: { name: 'goshop-secrets', key: 'DB_PASSWORD' } }, 'the password the app uses')
    t.same(ref('POSTGRES_USER'), { configMapKeyRef: { name: 'goshop-config', key: 'DB_USER' } })
    t.same(ref('POSTGRES_DB'), { configMapKeyRef: { name: 'goshop-config', key: 'DB_NAME' } })
    t.match(JSON.stringify(at(db.container, 'readinessProbe', 'exec', 'command')), /pg_isready/)
    const templates = list(at(postgres.body, 'spec', 'volumeClaimTemplates'), 'volumeClaimTemplates').map((v) => record(v, 'pvc'))
    t.equal(templates.length, 1, 'a PersistentVolumeClaim per replica')
    const mounts = list(db.container.volumeMounts, 'mounts').map((m) => record(m, 'mount'))
    t.equal(mounts.find((m) => m.name === at(templates[0], 'metadata', 'name'))?.mountPath, '/var/lib/postgresql/data', 'data on the claim')
    t.match(text(env.find((e) => e.name === 'PGDATA')?.value, 'PGDATA'), /^\/var\/lib\/postgresql\/data\/.+/, 'PGDATA is a subdirectory of the volume')

    const cache = containers(redis)[0]
    t.match(text(cache?.container.image, 'image'), /^redis:7\.\d+/, 'redis 7, minor pinned')
    t.ok(at(cache?.container, 'readinessProbe'), 'redis has a readiness probe')
  })
})
