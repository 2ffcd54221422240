import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1'
import { at, isRecord, list, listRepoDir, readYamlDocuments, record, stringMap, text, type Json } from './files.js'

export interface K8sObject {
  file: string
  apiVersion: string
  kind: string
  name: string
  body: Json
}

interface Validatable { validate: () => void, toJSON: () => unknown }
type ModelClass = new (data: Json) => Validatable

/** The Kubernetes kinds k8s/ may contain, with their schema-validating models. */
const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy
}

/** The files `kubectl apply -f k8s/` reads, in the order it reads them. */
export const manifestFiles = (): string[] => listRepoDir('k8s').filter((f) => /\.(ya?ml|json)$/.test(f))

export function loadObjects (): K8sObject[] {
  return manifestFiles().flatMap((file) => readYamlDocuments(`k8s/${file}`).map((doc, index) => {
    const body = record(doc, `k8s/${file}#${index}`)
    return {
      file,
      apiVersion: text(body.apiVersion, `${file} apiVersion`),
      kind: text(body.kind, `${file} kind`),
      name: text(at(body, 'metadata', 'name'), `${file} metadata.name`),
      body
    }
  }))
}

export function find (objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.name === name)
  if (found === undefined) throw new Error(`no ${kind}/${name} in k8s/`)
  return found
}

/**
 * Wraps a plain JSON tree in proxies that record which keys get read. The models'
 * generated validators read every property their schema defines, so a key nobody read
 * is a field Kubernetes does not know (what `kubectl apply --validate=strict` rejects).
 */
function tracked (value: unknown, path: string, seen: Array<{ path: string, value: Json, read: Set<string> }>): unknown {
  if (Array.isArray(value)) return value.map((item, i) => tracked(item, `${path}/${i}`, seen))
  if (!isRecord(value)) return value
  const read = new Set<string>()
  seen.push({ path, value, read })
  const copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tracked(v, `${path}/${k}`, seen)]))
  return new Proxy(copy, {
    get (target, key, receiver) {
      if (typeof key === 'string') read.add(key)
      return Reflect.get(target, key, receiver)
    }
  })
}

/**
 * Validates against the Kubernetes OpenAPI schema (throws on type/enum/required errors)
 * and returns the paths of fields the schema does not define.
 */
export function validateStrict (object: K8sObject): string[] {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`]
  if (Model === undefined) throw new Error(`${object.file}: unexpected kind ${object.apiVersion}/${object.kind}`)
  const model = new Model(object.body)
  model.validate()
  const seen: Array<{ path: string, value: Json, read: Set<string> }> = []
  model.validate.call(tracked(model.toJSON(), '', seen))
  return seen.flatMap(({ path, value, read }) => Object.keys(value).filter((k) => !read.has(k)).map((k) => `${path}/${k}`))
}

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet'])

export const workloads = (objects: K8sObject[]): K8sObject[] => objects.filter((o) => WORKLOAD_KINDS.has(o.kind))

export const podSpec = (workload: K8sObject): Json => record(at(workload.body, 'spec', 'template', 'spec'), `${workload.name} pod spec`)

export const podLabels = (workload: K8sObject): Record<string, string> =>
  stringMap(at(workload.body, 'spec', 'template', 'metadata', 'labels'), `${workload.name} pod labels`)

export interface ContainerRef { workload: K8sObject, init: boolean, container: Json, name: string }

export function containers (workload: K8sObject): ContainerRef[] {
  const spec = podSpec(workload)
  const pick = (key: string, init: boolean): ContainerRef[] =>
    (spec[key] === undefined ? [] : list(spec[key], `${workload.name}.${key}`)).map((c) => {
      const container = record(c, `${workload.name} container`)
      return { workload, init, container, name: text(container.name, 'container name') }
    })
  return [...pick('initContainers', true), ...pick('containers', false)]
}

/** True when every label in the selector is on the pod (matchLabels semantics). */
export const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v)

/** The workloads whose pods a label selector picks. */
export const selectedWorkloads = (objects: K8sObject[], selector: Record<string, string>): string[] =>
  workloads(objects).filter((w) => selects(selector, podLabels(w))).map((w) => w.name)
