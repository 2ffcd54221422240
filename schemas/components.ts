import type { TSchema } from 'typebox'
import { Role } from './common.js'
import { LogLevel, LogLevelName, LogLevelUpdate } from './admin.js'
import { API_KEY_SCHEMAS, ApiScopeSchema, CreateApiKeyBody, RollApiKeyBody } from './api-keys.js'
import { AuditActor, AuditActorType, AuditEvent, AuditEventPage, AuditResource, AuditResourceType } from './audit.js'
import { LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest, TokenPair } from './auth.js'
import { Customer, CustomerPage, UpdateCustomerBody, WriteCustomerRequest } from './customers.js'
import { DependencyCheck, DependencyStatus, Help, Liveness, Readiness, ReadinessStatus } from './health.js'
import { CreateOrderBody, Order, OrderItem, OrderLineInput, OrderPage, OrderStatus, TransitionBody } from './orders.js'
import { FieldError, FieldLocation, Problem } from './problem.js'
import { ProblemType, ProblemTypeList } from './problem-types.js'
import { BatchItemResult, BatchMode, BatchUpsertBody, BatchUpsertResponse, Product, ProductPage, ProductSortParam, UpdateProductBody, WriteProductRequest } from './products.js'
import { RoleUpdate, User } from './users.js'
import { AttemptOutcome, CreateWebhookBody, DeliveryStatus, OrderCreatedEvent, OrderStatusChange, OrderStatusChangedEvent, ProductOutOfStockEvent, UpdateWebhookBody, WEBHOOK_SCHEMAS, WebhookEvent, WebhookEventTypeSchema } from './webhooks.js'
import { EventPage } from './events.js'

/**
 * The one place that names schemas for the OpenAPI document. Convention: a schema that is a
 * resource, a page, a request body or a shape used in several places gets `$id` (= its
 * component name, also its `title`) in schemas/<domain>.ts and is listed here. Routes use the
 * schemas themselves (validation, serialization and types stay exact); the document shows each
 * as `#/components/schemas/<$id>` (lib/openapi/transform.ts), and an unlisted `$id` fails
 * document generation, so a generated client gets exactly one type per schema.
 * A schema with `$id` may occur only once within one route schema (fast-json-stringify rejects
 * an `$id` that resolves to two places): further uses in the same parent are `Type.Ref('<$id>')`
 * (see Readiness.checks), which the document also shows as the component reference.
 */
export const COMPONENT_SCHEMAS: readonly TSchema[] = [
  FieldError, Problem, ProblemType, ProblemTypeList,
  RegisterRequest, LoginRequest, RefreshRequest, LogoutRequest, TokenPair, User, RoleUpdate,
  Product, ProductPage, WriteProductRequest, UpdateProductBody, BatchUpsertBody, BatchItemResult, BatchUpsertResponse,
  Customer, CustomerPage, WriteCustomerRequest, UpdateCustomerBody,
  OrderItem, Order, OrderPage, OrderLineInput, CreateOrderBody, TransitionBody,
  LogLevel, LogLevelUpdate,
  Liveness, DependencyCheck, Readiness, Help,
  ...WEBHOOK_SCHEMAS, CreateWebhookBody, UpdateWebhookBody, WebhookEvent, OrderCreatedEvent, OrderStatusChangedEvent, ProductOutOfStockEvent, OrderStatusChange, EventPage,
  AuditActor, AuditResource, AuditEvent, AuditEventPage,
  ...API_KEY_SCHEMAS, CreateApiKeyBody, RollApiKeyBody,
  // Enums: named by `title` only (lib/openapi/components.ts), one component each.
  Role, LogLevelName, OrderStatus, WebhookEventTypeSchema, DeliveryStatus, AttemptOutcome, AuditActorType, AuditResourceType,
  ProductSortParam, BatchMode, DependencyStatus, ReadinessStatus, FieldLocation, ApiScopeSchema
]
