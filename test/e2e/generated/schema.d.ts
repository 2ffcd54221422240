/**
 * GoShop API client types, generated from the live OpenAPI document (GET /swagger/json)
 * by openapi-typescript. Do not edit: run `npm run generate:client`.
 * test/e2e/client.test.ts fails when the served document no longer generates this file.
 */
/* eslint-disable */

export interface paths {
    "/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness probe
         * @description Answers 200 while the process serves HTTP; checks no dependency (a restart would not fix one). Not rate limited.
         */
        get: operations["getLiveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness probe: Postgres reachable, a configured Redis connected, not shutting down (a slow Redis is reported degraded)
         * @description Checks Postgres and Redis; answers 503 with Retry-After while Postgres is down, a configured Redis has no connection, or the replica is shutting down. A Redis that is connected but slow, or skipped by its circuit breaker, is reported degraded and the replica stays ready. Not rate limited.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/help": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What this service is and which routes it serves
         * @description A short introduction for a human or an agent: how to authenticate, where the OpenAPI document and the problem registry are, and every route with its summary.
         */
        get: operations["getHelp"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/problems": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List every error code
         * @description The registry of problem types: code, status, title and what to do about it.
         */
        get: operations["listProblemTypes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/problems/{slug}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Explain one error code
         * @description What a problem `type` URI (e.g. /problems/token-missing) means.
         */
        get: operations["getProblemType"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a customer account
         * @description Creates the account (role customer) and its customer profile in one transaction. Omitted names default to the email local part (first_name) and "-" (last_name). Password policy (NIST SP 800-63B): 8..128 characters, not only whitespace, not the email or its local part, not one of ~440k common or breached passwords (case-insensitive) -> 400 WEAK_PASSWORD with the pointer /password.
         */
        post: operations["registerUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Exchange email and password for an access and a refresh token
         * @description Wrong email or password -> 401 INVALID_CREDENTIALS (same answer for unknown emails). Failures are counted per client (IP) and per email+client, never per email alone, so other clients cannot lock an account: after 5 failures for one email, or 20 for any emails, from one client within the rate-limit window, that client gets 429 RATE_LIMITED with Retry-After (even with the right password).
         */
        post: operations["loginUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a refresh token into a new token pair
         * @description Each refresh token is single use. Presenting one that was already used revokes every token of its login (reuse detection) -> 401 REFRESH_TOKEN_REUSED.
         */
        post: operations["refreshTokens"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke the refresh token and every token rotated from the same login
         * @description Idempotent: an unknown, expired or already revoked token also answers 204, so the answer reveals nothing about the token.
         */
        post: operations["logoutUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The account of the access token
         * @description The id, email and current role of the caller (the role as it is now, also when the token was issued with another).
         */
        get: operations["getCurrentUser"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/products": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List products
         * @description Keyset-paginated catalog with search, price/stock filters and a sort order. Archived products are not listed.
         */
        get: operations["listProducts"];
        put?: never;
        /**
         * Create a product (staff, admin)
         * @description Adds a product to the catalog; the sku must be unused (409 SKU_TAKEN). Answers with its ETag and Location.
         */
        post: operations["createProduct"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/products/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export products as NDJSON (staff, admin)
         * @description Every product the list would show for these filters, in the same sort order (no paging), streamed as `application/x-ndjson`: one Product per line, exactly as GET /api/products/{id} shows it, read through a database cursor from one consistent snapshot. Errors found before the first line (filters, access, the first read) are problem+json responses; a failure after the first line cuts the connection, so a body without its final newline or without the end of the chunked encoding is incomplete. Compressed when the client asks (Accept-Encoding).
         */
        get: operations["exportProducts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/products/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a product
         * @description Sends an ETag; honours If-None-Match (304 without a body while the product is unchanged).
         */
        get: operations["getProduct"];
        /**
         * Replace a product (staff, admin)
         * @description Full replace; honours If-Match.
         */
        put: operations["replaceProduct"];
        post?: never;
        /**
         * Delete a product (staff, admin)
         * @description Deletes the product; one that appears in orders is archived instead (hidden from the catalog, kept for order history). Honours If-Match.
         */
        delete: operations["deleteProduct"];
        options?: never;
        head?: never;
        /**
         * Update some fields of a product (staff, admin)
         * @description Partial update (at least one field); honours If-Match.
         */
        patch: operations["updateProduct"];
        trace?: never;
    };
    "/api/products/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create or replace up to 1000 products by sku (staff, admin)
         * @description Each item is a WriteProductRequest matched by sku: a new sku is created (201), a known one replaced (200), in one transaction. Results come in input order. per_item: bad items get their problem (400 VALIDATION_FAILED, 409 SKU_TAKEN for an archived product's sku), the rest is written; all_or_nothing: any bad item and nothing is written, 409 BATCH_REJECTED with every result (424 BATCH_ABORTED for the good ones). Stock taken to 0 emits product.out_of_stock as PUT does. With an Idempotency-Key, a retry with the same body within 24 h replays the first response. Bodies up to 8 MiB.
         */
        post: operations["upsertProductBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/customers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List customers
         * @description Keyset-paginated by creation time, filterable by name or email. A customer-role caller gets only its own profile.
         */
        get: operations["listCustomers"];
        put?: never;
        /**
         * Create a customer (staff, admin)
         * @description Creates a profile not linked to any user account. Customers already have theirs (403).
         */
        post: operations["createCustomer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/customers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a customer
         * @description A customer-role caller may only read its own profile (anyone else's answers 404). Sends an ETag; honours If-None-Match (304 without a body while unchanged).
         */
        get: operations["getCustomer"];
        /**
         * Replace a customer
         * @description Full replace; staff/admin any profile, a customer its own. user_id cannot be changed. Honours If-Match.
         */
        put: operations["replaceCustomer"];
        post?: never;
        /**
         * Delete a customer (staff, admin)
         * @description A customer with orders cannot be deleted (409 CUSTOMER_HAS_ORDERS). Honours If-Match.
         */
        delete: operations["deleteCustomer"];
        options?: never;
        head?: never;
        /**
         * Update some fields of a customer
         * @description Partial update (at least one field); staff/admin any profile, a customer its own. Honours If-Match.
         */
        patch: operations["updateCustomer"];
        trace?: never;
    };
    "/api/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List orders
         * @description Cursor-paginated, oldest first (keyset on created_at, id). Staff and admin see every order; a customer only its own (filtering by another customer_id gives an empty page). created_after/created_before are exclusive bounds.
         */
        get: operations["listOrders"];
        put?: never;
        /**
         * Place an order
         * @description Reserves stock and creates a pending order in one transaction; prices, names and SKUs are captured now and totals computed by the server. Duplicate product lines are merged. A customer orders for itself (customer_id optional; another customer -> 404); staff and admin must name the customer. Not enough stock -> 409 INSUFFICIENT_STOCK with `items: [{product_id, requested, available}]` and nothing written. With an Idempotency-Key, a retry with the same body within 24 h replays the first response (`Idempotent-Replayed: true`); another body -> 422 IDEMPOTENCY_KEY_REUSED; while the first is still running -> 409 IDEMPOTENCY_KEY_IN_USE.
         */
        post: operations["createOrder"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export orders as NDJSON (staff, admin)
         * @description Every order the list would show for these filters, oldest first (no paging), streamed as `application/x-ndjson`: one Order per line with its items, exactly as GET /api/orders/{id} shows it to the caller, from one consistent snapshot. Errors found before the first line (filters, access, the first read) are problem+json responses; a failure after the first line cuts the connection, so a body without its final newline or without the end of the chunked encoding is incomplete. Compressed when the client asks (Accept-Encoding).
         */
        get: operations["exportOrders"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an order
         * @description Returns the order with its items and the transitions the caller may make. Someone else's order -> 404. Sends an ETag; honours If-None-Match (304 without a body while unchanged).
         */
        get: operations["getOrder"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders/{id}/transitions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change an order's status
         * @description pending -> paid -> shipped -> delivered; pending|paid -> cancelled (restocks every item). Staff and admin may make any legal move; a customer may only cancel its own pending order (other moves -> 403). An illegal move -> 409 INVALID_TRANSITION. Honours If-Match (412 when stale).
         */
        post: operations["transitionOrder"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/users/{id}/role": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Change the role of a user
         * @description Admin only. Honours If-Match (ETag of the user). A user becoming a customer gets a customer profile if it has none. Admins cannot demote themselves (409 CANNOT_DEMOTE_SELF). The new role applies to the user's next request on every replica (within 1 s), access tokens already issued included; the next refresh issues tokens with the new role claim.
         */
        put: operations["updateUserRole"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/log-level": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Change the log level at run time
         * @description Admin only. Applies to the replica that serves the request, until it restarts (LOG_LEVEL is the start value).
         */
        put: operations["updateLogLevel"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List webhook endpoints (admin)
         * @description Cursor-paginated, oldest first (keyset on created_at, id). Secrets are not included.
         */
        get: operations["listWebhookEndpoints"];
        put?: never;
        /**
         * Register a webhook endpoint (admin)
         * @description Returns the signing secret once; it is never shown again (rotate it to get a new one). In production the url must be https and must not point at a loopback, private, link-local or metadata address (422 WEBHOOK_URL_NOT_ALLOWED).
         */
        post: operations["createWebhookEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a webhook endpoint (admin)
         * @description Secrets are not included. Sends an ETag; honours If-None-Match (304 without a body while the endpoint is unchanged).
         */
        get: operations["getWebhookEndpoint"];
        put?: never;
        post?: never;
        /**
         * Delete a webhook endpoint (admin)
         * @description Deletes the endpoint with its delivery log; pending deliveries are dropped. Honours If-Match.
         */
        delete: operations["deleteWebhookEndpoint"];
        options?: never;
        head?: never;
        /**
         * Change a webhook endpoint (admin)
         * @description Partial update (at least one field); `enabled: false` pauses deliveries (pending ones wait, new events are not queued for it). Honours If-Match.
         */
        patch: operations["updateWebhookEndpoint"];
        trace?: never;
    };
    "/api/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replace the signing secret of a webhook endpoint (admin)
         * @description Returns the new secret once. Attempts from now on are signed with it only.
         */
        post: operations["rotateWebhookEndpointSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The delivery log of a webhook endpoint (admin)
         * @description One delivery per event sent to this endpoint, oldest first (keyset on created_at, id), with every attempt (status, latency, error excerpt) and the next retry of pending ones. Filter with ?status=.
         */
        get: operations["listWebhookDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhooks/{id}/deliveries/{delivery_id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Deliver an event again now (admin)
         * @description Makes the delivery due now, whatever its status (a failed one becomes pending, a succeeded one is sent again). Retries after a failure stay within the retry window counted from the event.
         */
        post: operations["retryWebhookDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/audit-events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List audit events (admin)
         * @description Every change made through the API (products, customers, order creation and status, roles, webhook endpoints), oldest first (keyset on at, id), each with its actor, the fields it changed as [before, after] and the request id; secrets never appear. Filter by resource_type, resource_id and actor_id (combined with AND); page with ?after=<next_cursor>. Events are kept AUDIT_RETENTION_DAYS (default 365).
         */
        get: operations["listAuditEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read the events feed (staff, admin)
         * @description The outbox behind the webhooks, with the same envelope and ids, in a stable order. Pass next_cursor back as ?after=: a cursor never skips an event, also when transactions commit out of order (an event is listed once every transaction that started before it has ended). Filter with ?types=; ?wait=1..30 long-polls while the page would be empty. Events are kept EVENT_RETENTION_DAYS (default 30); a cursor older than that is 410 CURSOR_EXPIRED.
         */
        get: operations["listEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List API keys (yours; admins: everyone's)
         * @description Cursor-paginated, oldest first (keyset on created_at, id). Revoked keys are not listed; rolled and expired ones are, until revoked. Admins filter with ?user_id=. Secrets are never included.
         */
        get: operations["listApiKeys"];
        put?: never;
        /**
         * Create an API key for yourself
         * @description Returns the key once (only its SHA-256 is stored). Scopes beyond your role are refused (403 API_KEY_SCOPE_NOT_GRANTABLE); expires_at defaults to 90 days and is at most 1 year away. Send the key as `Authorization: Bearer gsk_...`. Takes a user access token, not an API key.
         */
        post: operations["createApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/api-keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an API key
         * @description Yours (admins: any). The secret is not included.
         */
        get: operations["getApiKey"];
        put?: never;
        post?: never;
        /**
         * Revoke an API key
         * @description The key stops working at once on this instance and within 1 s on every other; it is no longer shown.
         */
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/api-keys/{id}/roll": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replace an API key with a new one
         * @description Returns a new key (shown once) with the same owner, name, scopes and lifetime; the old key keeps working for expires_in_hours (0..168), then stops.
         */
        post: operations["rollApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * FieldError
         * @description One field at fault: where it is and what is wrong
         */
        FieldError: {
            /**
             * @description JSON Pointer (RFC 6901) into the part named by `in`
             * @example /items/0/quantity
             */
            pointer: string;
            /** @description The part of the request the pointer points into */
            in?: components["schemas"]["FieldLocation"];
            /** @example must be >= 1 */
            detail: string;
        };
        /**
         * Problem
         * @description An RFC 9457 problem: every error the service answers (application/problem+json)
         */
        Problem: {
            /**
             * @description URI reference identifying the problem type
             * @example /problems/validation-failed
             */
            type: string;
            /**
             * @description The title of the problem type (the same for every problem with this code)
             * @example Validation failed
             */
            title: string;
            /**
             * Format: int32
             * @example 400
             */
            status: number;
            /** @example body/items/0/quantity must be >= 1 */
            detail: string;
            /**
             * @description The request path (cut to 2048 characters)
             * @example /api/orders
             */
            instance: string;
            code: components["schemas"]["ProblemCode"];
            /** @example 5f0c6b7e-3d1c-4c52-9a57-2a3b8f0c1d2e */
            request_id: string;
            /**
             * @description The W3C trace id of the request, when tracing is on
             * @example 4bf92f3577b34da6a3ce929d0e0e4736
             */
            trace_id?: string;
            /** @description The fields at fault: at most 10 for VALIDATION_FAILED, at most one per order line otherwise (100) */
            errors?: components["schemas"]["FieldError"][];
            /**
             * @description The scopes of which the key needs one; empty when the operation takes no API key at all (only on INSUFFICIENT_SCOPE)
             * @example [
             *       "products:write"
             *     ]
             */
            required_scopes?: string[];
            /** @description Every product that is short (only on INSUFFICIENT_STOCK) */
            items?: {
                /**
                 * Format: uuid
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                product_id: string;
                /**
                 * Format: int32
                 * @description The quantity asked for (lines of one product merged)
                 * @example 3
                 */
                requested: number;
                /**
                 * Format: int32
                 * @description The stock when the order was refused
                 * @example 1
                 */
                available: number;
            }[];
            /** @description The order's status (only on INVALID_TRANSITION) */
            current_status?: components["schemas"]["OrderStatus"];
            /** @description The status asked for (only on INVALID_TRANSITION) */
            requested_status?: components["schemas"]["OrderStatus"];
        };
        /**
         * ProblemType
         * @description One error code of this API
         */
        ProblemType: {
            /**
             * @description The problem type URI that problems with this code carry
             * @example /problems/token-missing
             */
            type: string;
            code: components["schemas"]["ProblemCode"];
            /**
             * Format: int32
             * @description The HTTP status it comes with
             * @example 401
             */
            status: number;
            /**
             * @description Short summary
             * @example Access token missing
             */
            title: string;
            /**
             * @description What it means and what the client can do
             * @example No usable Authorization: Bearer header was sent; log in and send the access token.
             */
            description: string;
        };
        /**
         * ProblemTypeList
         * @description Every error code this API answers with
         */
        ProblemTypeList: {
            data: components["schemas"]["ProblemType"][];
        };
        /**
         * RegisterUserRequest
         * @description A new customer account: email, password and optional names for its customer profile
         * @example {
         *       "email": "jane.doe@example.com",
         *       "password": "correct horse battery staple",
         *       "first_name": "Jane",
         *       "last_name": "Doe"
         *     }
         */
        RegisterUserRequest: {
            /**
             * Format: email
             * @description Email address; surrounding whitespace is trimmed and it is lowercased before validation and storage
             * @example jane.doe@example.com
             */
            email: string;
            /**
             * @description Password, 8..128 characters; not only whitespace, not the email or its local part, not a common or breached password (else 400 WEAK_PASSWORD); stored only as an argon2id hash
             * @example correct horse battery staple
             */
            password: string;
            /**
             * @description First name for the customer profile; defaults to the email local part, 1..100 characters, not only whitespace (trimmed)
             * @example Jane
             */
            first_name?: string;
            /**
             * @description Last name for the customer profile; defaults to "-", 1..100 characters, not only whitespace (trimmed)
             * @example Doe
             */
            last_name?: string;
        };
        /**
         * LoginUserRequest
         * @description Email and password of an account
         * @example {
         *       "email": "jane.doe@example.com",
         *       "password": "correct horse battery staple"
         *     }
         */
        LoginUserRequest: {
            /**
             * Format: email
             * @description Email address; surrounding whitespace is trimmed and it is lowercased before validation and storage
             * @example jane.doe@example.com
             */
            email: string;
            /**
             * @description The account password
             * @example correct horse battery staple
             */
            password: string;
        };
        /**
         * RefreshTokensRequest
         * @description The refresh token to rotate (single use)
         * @example {
         *       "refresh_token": "kR3v0c4bL3-0p4qu3-t0k3n-9Xw2mQ7zL1pA8sD5fG6hJ4k"
         *     }
         */
        RefreshTokensRequest: {
            /**
             * @description An opaque refresh token from /login or /auth/refresh
             * @example kR3v0c4bL3-0p4qu3-t0k3n-9Xw2mQ7zL1pA8sD5fG6hJ4k
             */
            refresh_token: string;
        };
        /**
         * LogoutUserRequest
         * @description The refresh token whose login ends (its whole token family is revoked)
         * @example {
         *       "refresh_token": "kR3v0c4bL3-0p4qu3-t0k3n-9Xw2mQ7zL1pA8sD5fG6hJ4k"
         *     }
         */
        LogoutUserRequest: {
            /**
             * @description An opaque refresh token from /login or /auth/refresh
             * @example kR3v0c4bL3-0p4qu3-t0k3n-9Xw2mQ7zL1pA8sD5fG6hJ4k
             */
            refresh_token: string;
        };
        /**
         * TokenPair
         * @description An access token and the refresh token that renews it
         */
        TokenPair: {
            /**
             * @description JWT (HS256) for Authorization: Bearer
             * @example eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl
             */
            access_token: string;
            /**
             * @description Opaque, single-use refresh token; rotate it with POST /auth/refresh
             * @example kR3v0c4bL3-0p4qu3-t0k3n-9Xw2mQ7zL1pA8sD5fG6hJ4k
             */
            refresh_token: string;
            /** @constant */
            token_type: "Bearer";
            /**
             * Format: int32
             * @description Seconds until the access token expires
             * @example 900
             */
            expires_in: number;
        };
        /**
         * User
         * @description A user account
         * @example {
         *       "id": "0b9f6d2e-1c5a-4f3e-8d7b-6a2c9e4f1b3d",
         *       "email": "jane.doe@example.com",
         *       "role": "customer",
         *       "customer_id": "3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13",
         *       "created_at": "2026-11-24T10:00:00.000Z"
         *     }
         */
        User: {
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            id: string;
            /**
             * Format: email
             * @description Email address; surrounding whitespace is trimmed and it is lowercased before validation and storage
             * @example jane.doe@example.com
             */
            email: string;
            /** @description Account role: customer (own orders and profile), staff (catalog, customers, orders), admin (everything, users and webhooks too) */
            role: components["schemas"]["Role"];
            /** @description The customer profile of a customer account; null for staff and admins without one */
            customer_id: string | null;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            created_at: string;
        };
        /**
         * UpdateUserRoleRequest
         * @description The new role of the account
         * @example {
         *       "role": "staff"
         *     }
         */
        UpdateUserRoleRequest: {
            /** @description Account role: customer (own orders and profile), staff (catalog, customers, orders), admin (everything, users and webhooks too) */
            role: components["schemas"]["Role"];
        };
        /**
         * Product
         * @description A catalog product
         * @example {
         *       "id": "3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13",
         *       "sku": "TSHIRT-RED-M",
         *       "name": "Red T-shirt (M)",
         *       "description": "100% organic cotton, regular fit.",
         *       "price_cents": 1999,
         *       "currency": "EUR",
         *       "stock": 42,
         *       "created_at": "2026-11-24T10:00:00.000Z",
         *       "updated_at": "2026-11-24T10:00:00.000Z"
         *     }
         */
        Product: {
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            id: string;
            /**
             * @description Stock keeping unit, unique across the catalog (archived products keep theirs): 1..64 of letters, digits, ".", "_", "-", starting with a letter or digit
             * @example TSHIRT-RED-M
             */
            sku: string;
            /**
             * @description Display name, 1..200 characters, not only whitespace
             * @example Red T-shirt (M)
             */
            name: string;
            /**
             * @description Free text, up to 5000 characters; empty when omitted on create/replace
             * @example 100% organic cotton, regular fit.
             */
            description: string;
            /**
             * Format: int64
             * @description Unit price in minor units of the store currency (0..10^10)
             * @example 1999
             */
            price_cents: number;
            /**
             * @description ISO 4217 store currency
             * @example EUR
             */
            currency: string;
            /**
             * Format: int32
             * @description Units available for sale (0..10^9)
             * @example 42
             */
            stock: number;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            updated_at: string;
        };
        /**
         * ProductPage
         * @description One page of products
         */
        ProductPage: {
            data: components["schemas"]["Product"][];
            /**
             * @description Pass as ?cursor= for the next page; null on the last page
             * @example eyJ2IjoiMjAyNi0xMS0yNFQxMDowMDowMC4wMDBaIn0
             */
            next_cursor: string | null;
        };
        /**
         * WriteProductRequest
         * @description The full writable state of a product: POST creates it, PUT replaces it (an omitted description becomes empty); id, currency and timestamps are set by the server
         * @example {
         *       "sku": "TSHIRT-RED-M",
         *       "name": "Red T-shirt (M)",
         *       "description": "100% organic cotton, regular fit.",
         *       "price_cents": 1999,
         *       "stock": 42
         *     }
         */
        WriteProductRequest: {
            /**
             * @description Stock keeping unit, unique across the catalog (archived products keep theirs): 1..64 of letters, digits, ".", "_", "-", starting with a letter or digit
             * @example TSHIRT-RED-M
             */
            sku: string;
            /**
             * @description Display name, 1..200 characters, not only whitespace
             * @example Red T-shirt (M)
             */
            name: string;
            /**
             * @description Free text, up to 5000 characters; empty when omitted on create/replace
             * @example 100% organic cotton, regular fit.
             */
            description?: string;
            /**
             * Format: int64
             * @description Unit price in minor units of the store currency (0..10^10)
             * @example 1999
             */
            price_cents: number;
            /**
             * Format: int32
             * @description Units available for sale (0..10^9)
             * @example 42
             */
            stock: number;
        };
        /**
         * UpdateProductRequest
         * @description The fields to change (PATCH); at least one
         * @example {
         *       "price_cents": 1499,
         *       "stock": 40
         *     }
         */
        UpdateProductRequest: {
            /**
             * @description Stock keeping unit, unique across the catalog (archived products keep theirs): 1..64 of letters, digits, ".", "_", "-", starting with a letter or digit
             * @example TSHIRT-RED-M
             */
            sku?: string;
            /**
             * @description Display name, 1..200 characters, not only whitespace
             * @example Red T-shirt (M)
             */
            name?: string;
            /**
             * @description Free text, up to 5000 characters; empty when omitted on create/replace
             * @example 100% organic cotton, regular fit.
             */
            description?: string;
            /**
             * Format: int64
             * @description Unit price in minor units of the store currency (0..10^10)
             * @example 1999
             */
            price_cents?: number;
            /**
             * Format: int32
             * @description Units available for sale (0..10^9)
             * @example 42
             */
            stock?: number;
        };
        /**
         * UpsertProductBatchRequest
         * @description Up to 1000 products to create or replace by sku, and how refusals are handled
         * @example {
         *       "mode": "per_item",
         *       "items": [
         *         {
         *           "sku": "TSHIRT-RED-M",
         *           "name": "Red T-shirt (M)",
         *           "price_cents": 1999,
         *           "stock": 42
         *         }
         *       ]
         *     }
         */
        UpsertProductBatchRequest: {
            /** @description Up to 1000 products, each a WriteProductRequest, matched by sku: a new sku is created (201), a known one replaced (200). Each item is validated on its own, so a bad item is reported in its result rather than refusing the whole batch. */
            items: unknown[];
            /** @description per_item: the good items are written, each bad one gets its problem; all_or_nothing: one bad item and nothing is written (409 BATCH_REJECTED with every result) */
            mode: components["schemas"]["BatchMode"];
        };
        /**
         * ProductBatchResponse
         * @description The outcome of every item, in input order (with `Idempotent-Replayed: true` when replayed for the same Idempotency-Key)
         */
        ProductBatchResponse: {
            /** @description One per item, in input order */
            results: {
                /**
                 * Format: int32
                 * @description Position of the item in the request
                 * @example 0
                 */
                index: number;
                /**
                 * Format: int32
                 * @description 201 created, 200 replaced, 4xx refused (see problem)
                 * @example 201
                 */
                status: number;
                product?: components["schemas"]["Product"];
                problem?: components["schemas"]["Problem"];
            }[];
        };
        /**
         * Customer
         * @description A customer profile
         * @example {
         *       "id": "3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13",
         *       "user_id": "9b2e3f1c-6a4d-4e8b-9c1a-2b7d5e8f0a13",
         *       "first_name": "Ada",
         *       "last_name": "Lovelace",
         *       "email": "ada@example.com",
         *       "phone": "+4915112345678",
         *       "created_at": "2026-11-24T10:00:00.000Z",
         *       "updated_at": "2026-11-24T10:00:00.000Z"
         *     }
         */
        Customer: {
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            id: string;
            /**
             * @description The user account owning this profile; null for profiles made by staff
             * @example 9b2e3f1c-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            user_id: string | null;
            /**
             * @description Given name, 1..100 characters, not only whitespace
             * @example Ada
             */
            first_name: string;
            /**
             * @description Family name, 1..100 characters, not only whitespace
             * @example Lovelace
             */
            last_name: string;
            /**
             * Format: email
             * @description Contact email, unique among customers; trimmed and lowercased before validation and storage
             * @example ada@example.com
             */
            email: string;
            /**
             * @description Phone number or null
             * @example +4915112345678
             */
            phone: string | null;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            updated_at: string;
        };
        /**
         * CustomerPage
         * @description One page of customers
         */
        CustomerPage: {
            data: components["schemas"]["Customer"][];
            /**
             * @description Pass as ?cursor= for the next page; null on the last page
             * @example eyJ2IjoiMjAyNi0xMS0yNFQxMDowMDowMC4wMDBaIn0
             */
            next_cursor: string | null;
        };
        /**
         * WriteCustomerRequest
         * @description The full writable state of a customer profile: POST creates one (not linked to a user account), PUT replaces it; an omitted phone is null
         * @example {
         *       "first_name": "Ada",
         *       "last_name": "Lovelace",
         *       "email": "ada@example.com",
         *       "phone": "+4915112345678"
         *     }
         */
        WriteCustomerRequest: {
            /**
             * @description Given name, 1..100 characters, not only whitespace
             * @example Ada
             */
            first_name: string;
            /**
             * @description Family name, 1..100 characters, not only whitespace
             * @example Lovelace
             */
            last_name: string;
            /**
             * Format: email
             * @description Contact email, unique among customers; trimmed and lowercased before validation and storage
             * @example ada@example.com
             */
            email: string;
            /**
             * @description Phone number or null
             * @example +4915112345678
             */
            phone?: string | null;
        };
        /**
         * UpdateCustomerRequest
         * @description The fields to change (PATCH); at least one
         * @example {
         *       "phone": null
         *     }
         */
        UpdateCustomerRequest: {
            /**
             * @description Given name, 1..100 characters, not only whitespace
             * @example Ada
             */
            first_name?: string;
            /**
             * @description Family name, 1..100 characters, not only whitespace
             * @example Lovelace
             */
            last_name?: string;
            /**
             * Format: email
             * @description Contact email, unique among customers; trimmed and lowercased before validation and storage
             * @example ada@example.com
             */
            email?: string;
            /**
             * @description Phone number or null
             * @example +4915112345678
             */
            phone?: string | null;
        };
        /**
         * OrderItem
         * @description One line of an order, with the product's name, sku and price as they were when the order was placed
         */
        OrderItem: {
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            product_id: string;
            /**
             * @description The product SKU when the order was placed
             * @example TSHIRT-BLUE-M
             */
            sku: string;
            /**
             * @description The product name when the order was placed
             * @example Blue T-shirt (M)
             */
            name: string;
            /**
             * Format: int32
             * @example 2
             */
            quantity: number;
            /**
             * Format: int64
             * @description Unit price when the order was placed, minor units
             * @example 1999
             */
            unit_price_cents: number;
            /**
             * Format: int64
             * @description unit_price_cents x quantity
             * @example 3998
             */
            subtotal_cents: number;
        };
        /**
         * Order
         * @description An order with its lines, totals, status and the status moves the caller may make
         */
        Order: {
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            id: string;
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            customer_id: string;
            /** @description pending -> paid -> shipped -> delivered; pending|paid -> cancelled */
            status: components["schemas"]["OrderStatus"];
            /**
             * @description ISO 4217 store currency
             * @example EUR
             */
            currency: string;
            /**
             * Format: int64
             * @description Sum of the item subtotals, minor units
             * @example 3998
             */
            total_cents: number;
            /** @description Order lines, one per product, sorted by product_id */
            items: components["schemas"]["OrderItem"][];
            /**
             * @description Statuses the CALLER may move this order to now (a customer: only `cancelled`, and only while pending)
             * @example [
             *       "paid",
             *       "cancelled"
             *     ]
             */
            allowed_transitions: components["schemas"]["OrderStatus"][];
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            updated_at: string;
        };
        /**
         * OrderPage
         * @description One page of orders
         */
        OrderPage: {
            data: components["schemas"]["Order"][];
            /**
             * @description Pass as ?cursor= for the next page; null on the last page
             * @example eyJ2IjoiMjAyNi0xMS0yNFQxMDowMDowMC4wMDBaIn0
             */
            next_cursor: string | null;
        };
        /**
         * OrderLineInput
         * @description One line of a new order: a product and how many
         */
        OrderLineInput: {
            /**
             * Format: uuid
             * @description The product ordered
             * @example 0b8f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b
             */
            product_id: string;
            /**
             * Format: int32
             * @description Units to order (1..1000); lines for the same product are merged and the merged quantity must stay within the limit
             * @example 2
             */
            quantity: number;
        };
        /**
         * CreateOrderRequest
         * @description A new order: its lines and, for staff and admin, the customer it is for
         * @example {
         *       "items": [
         *         {
         *           "product_id": "0b8f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
         *           "quantity": 2
         *         }
         *       ]
         *     }
         */
        CreateOrderRequest: {
            /**
             * Format: uuid
             * @description The customer the order is for. Required for staff and admin callers; a customer may omit it (its own profile is used)
             * @example 7d9e2c1a-4b3f-4a6e-9d8c-1f2e3a4b5c6d
             */
            customer_id?: string;
            /** @description 1..100 lines; prices and totals are computed by the server */
            items: components["schemas"]["OrderLineInput"][];
        };
        /**
         * TransitionOrderRequest
         * @description The status to move the order to
         * @example {
         *       "status": "paid"
         *     }
         */
        TransitionOrderRequest: {
            /** @description The status to move the order to */
            status: components["schemas"]["OrderStatus"];
        };
        /**
         * LogLevel
         * @description The log level now in effect on the replica that answered
         */
        LogLevel: {
            /** @description pino log level, from the most to the least verbose: trace, debug, info, warn, error, fatal; silent logs nothing */
            level: components["schemas"]["LogLevelName"];
        };
        /**
         * UpdateLogLevelRequest
         * @description The log level this replica switches to
         * @example {
         *       "level": "debug"
         *     }
         */
        UpdateLogLevelRequest: {
            /** @description pino log level, from the most to the least verbose: trace, debug, info, warn, error, fatal; silent logs nothing */
            level: components["schemas"]["LogLevelName"];
        };
        /**
         * Liveness
         * @description The process is up and serving
         */
        Liveness: {
            /** @constant */
            status: "ok";
        };
        /**
         * DependencyCheck
         * @description One dependency's state and the latency of the check
         */
        DependencyCheck: {
            /** @description up: reachable; down: unreachable (for Redis: no connection, and the replica is then not ready); degraded: Redis connected but slow, or skipped by its circuit breaker (the service runs on per-replica limits); embedded: the in-process stand-in (PGlite, the memory store) */
            status: components["schemas"]["DependencyStatus"];
            /**
             * @description How long the check took
             * @example 0.8
             */
            latency_ms: number;
        };
        /**
         * Readiness
         * @description Whether this replica should get traffic, with each dependency's check
         */
        Readiness: {
            /** @description ready: serve traffic; not_ready: Postgres is unreachable, a configured Redis has no connection, or the replica is shutting down */
            status: components["schemas"]["ReadinessStatus"];
            /**
             * @description true while the replica drains after SIGTERM
             * @example false
             */
            shutting_down?: boolean;
            checks: {
                postgres: components["schemas"]["DependencyCheck"];
                redis: components["schemas"]["DependencyCheck"];
            };
        };
        /**
         * Help
         * @description What this service is, where its documentation is, and every route it serves
         * @example {
         *       "name": "goshop-api",
         *       "description": "E-commerce backend",
         *       "version": "0.1.0",
         *       "docs": {
         *         "swagger_ui": "/swagger",
         *         "openapi_json": "/swagger/json",
         *         "openapi_yaml": "/swagger/yaml"
         *       },
         *       "routes": [
         *         {
         *           "method": "GET",
         *           "url": "/api/products",
         *           "summary": "List products"
         *         }
         *       ]
         *     }
         */
        Help: {
            name: string;
            description: string;
            version: string;
            docs: {
                swagger_ui: string;
                openapi_json: string;
                openapi_yaml: string;
            };
            routes: {
                method: string;
                url: string;
                summary?: string;
            }[];
        };
        /**
         * WebhookEndpoint
         * @description A registered webhook endpoint (its secret is never shown again after creation or rotation)
         * @example {
         *       "id": "6c1e0f3a-2b4d-4c8e-9f1a-3d5b7e9c1f2a",
         *       "url": "https://erp.example.com/hooks/goshop",
         *       "events": [
         *         "order.created",
         *         "order.status_changed"
         *       ],
         *       "description": "ERP order import",
         *       "enabled": true,
         *       "created_at": "2026-11-24T10:00:00.000Z",
         *       "updated_at": "2026-11-24T10:00:00.000Z"
         *     }
         */
        WebhookEndpoint: {
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            id: string;
            /**
             * @description Where events are POSTed. In production it must be https and must not resolve to a loopback, private, link-local or metadata address. Redirects are not followed.
             * @example https://erp.example.com/hooks/goshop
             */
            url: string;
            /**
             * @description The event types sent to this endpoint, each at most once (a repeated type is a 400)
             * @example [
             *       "order.created",
             *       "order.status_changed"
             *     ]
             */
            events: components["schemas"]["WebhookEventType"][];
            /**
             * @description Free text for the admins, up to 500 characters
             * @example ERP order import
             */
            description: string;
            /**
             * @description A disabled endpoint gets no new deliveries and its pending ones wait
             * @example true
             */
            enabled: boolean;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            updated_at: string;
        };
        /**
         * WebhookEndpointWithSecret
         * @description A webhook endpoint with its signing secret: only returned on creation and secret rotation
         * @example {
         *       "id": "6c1e0f3a-2b4d-4c8e-9f1a-3d5b7e9c1f2a",
         *       "url": "https://erp.example.com/hooks/goshop",
         *       "events": [
         *         "order.created",
         *         "order.status_changed"
         *       ],
         *       "description": "ERP order import",
         *       "enabled": true,
         *       "created_at": "2026-11-24T10:00:00.000Z",
         *       "updated_at": "2026-11-24T10:00:00.000Z",
         *       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3zuN6NJf3dE="
         *     }
         */
        WebhookEndpointWithSecret: {
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            id: string;
            /**
             * @description Where events are POSTed. In production it must be https and must not resolve to a loopback, private, link-local or metadata address. Redirects are not followed.
             * @example https://erp.example.com/hooks/goshop
             */
            url: string;
            /**
             * @description The event types sent to this endpoint, each at most once (a repeated type is a 400)
             * @example [
             *       "order.created",
             *       "order.status_changed"
             *     ]
             */
            events: components["schemas"]["WebhookEventType"][];
            /**
             * @description Free text for the admins, up to 500 characters
             * @example ERP order import
             */
            description: string;
            /**
             * @description A disabled endpoint gets no new deliveries and its pending ones wait
             * @example true
             */
            enabled: boolean;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            updated_at: string;
            /**
             * @description The signing secret (Standard Webhooks: `whsec_` + base64 of 32 random bytes). Shown only when the endpoint is created or its secret rotated; store it now.
             * @example whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3zuN6NJf3dE=
             */
            secret: string;
        };
        /**
         * WebhookEndpointPage
         * @description One page of webhook endpoints
         */
        WebhookEndpointPage: {
            data: components["schemas"]["WebhookEndpoint"][];
            /**
             * @description Pass as ?cursor= for the next page; null on the last page
             * @example eyJ2IjoiMjAyNi0xMS0yNFQxMDowMDowMC4wMDBaIn0
             */
            next_cursor: string | null;
        };
        /**
         * WebhookAttempt
         * @description One attempt to deliver an event
         */
        WebhookAttempt: {
            /**
             * Format: int32
             * @description The attempt number, from 1
             * @example 1
             */
            attempt: number;
            /** @description succeeded: the receiver answered 2xx within 5 s; failed: anything else */
            outcome: components["schemas"]["AttemptOutcome"];
            /** @description null when no response came (network error, timeout, refused target) */
            response_status: number | null;
            /**
             * Format: int32
             * @description Milliseconds from sending to the response (or the failure)
             * @example 87
             */
            latency_ms: number;
            error: string | null;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            created_at: string;
        };
        /**
         * WebhookDelivery
         * @description The delivery of one event to one endpoint
         */
        WebhookDelivery: {
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            id: string;
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            endpoint_id: string;
            /**
             * Format: uuid
             * @description The event (also sent as the webhook-id header)
             * @example 9a7b5c3d-1e2f-4a6b-8c9d-0e1f2a3b4c5d
             */
            event_id: string;
            /** @description order.created; order.status_changed (data.previous_status); product.out_of_stock (stock reached 0) */
            event_type: components["schemas"]["WebhookEventType"];
            /** @description pending: waiting for (another) attempt; succeeded: a 2xx within 5 s; failed: retries exhausted */
            status: components["schemas"]["DeliveryStatus"];
            /**
             * Format: int32
             * @description Attempts made so far
             * @example 2
             */
            attempts: number;
            /** @description When the next attempt is due (pending only) */
            next_attempt_at: string | null;
            last_response_status: number | null;
            last_latency_ms: number | null;
            last_error: string | null;
            /** @description The latest 100 attempts (all of them under the default retry schedule), oldest first */
            attempt_log: components["schemas"]["WebhookAttempt"][];
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            updated_at: string;
        };
        /**
         * WebhookDeliveryPage
         * @description One page of deliveries, oldest first
         */
        WebhookDeliveryPage: {
            data: components["schemas"]["WebhookDelivery"][];
            /**
             * @description Pass as ?cursor= for the next page; null on the last page
             * @example eyJ2IjoiMjAyNi0xMS0yNFQxMDowMDowMC4wMDBaIn0
             */
            next_cursor: string | null;
        };
        /**
         * CreateWebhookEndpointRequest
         * @description A new webhook endpoint: its URL and the event types it receives
         * @example {
         *       "url": "https://erp.example.com/hooks/goshop",
         *       "events": [
         *         "order.created"
         *       ],
         *       "description": "ERP order import"
         *     }
         */
        CreateWebhookEndpointRequest: {
            /**
             * @description Where events are POSTed. In production it must be https and must not resolve to a loopback, private, link-local or metadata address. Redirects are not followed.
             * @example https://erp.example.com/hooks/goshop
             */
            url: string;
            /**
             * @description The event types sent to this endpoint, each at most once (a repeated type is a 400)
             * @example [
             *       "order.created",
             *       "order.status_changed"
             *     ]
             */
            events: components["schemas"]["WebhookEventType"][];
            /**
             * @description Free text for the admins, up to 500 characters
             * @example ERP order import
             */
            description?: string;
        };
        /**
         * UpdateWebhookEndpointRequest
         * @description The fields of the endpoint to change (at least one)
         * @example {
         *       "enabled": false
         *     }
         */
        UpdateWebhookEndpointRequest: {
            /**
             * @description Where events are POSTed. In production it must be https and must not resolve to a loopback, private, link-local or metadata address. Redirects are not followed.
             * @example https://erp.example.com/hooks/goshop
             */
            url?: string;
            /**
             * @description The event types sent to this endpoint, each at most once (a repeated type is a 400)
             * @example [
             *       "order.created",
             *       "order.status_changed"
             *     ]
             */
            events?: components["schemas"]["WebhookEventType"][];
            /**
             * @description Free text for the admins, up to 500 characters
             * @example ERP order import
             */
            description?: string;
            /**
             * @description false pauses deliveries to this endpoint
             * @example false
             */
            enabled?: boolean;
        };
        /**
         * WebhookEvent
         * @description One event of the outbox, as POSTed to webhooks and listed by GET /api/events
         */
        WebhookEvent: {
            /**
             * Format: uuid
             * @description The event id (also the webhook-id header of its deliveries): deduplicate on it
             * @example 9a7b5c3d-1e2f-4a6b-8c9d-0e1f2a3b4c5d
             */
            id: string;
            /** @description order.created; order.status_changed (data.previous_status); product.out_of_stock (stock reached 0) */
            type: components["schemas"]["WebhookEventType"];
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            created_at: string;
            /**
             * @description The resource as the API shows it (an Order as staff see it, with previous_status for order.status_changed; a Product)
             * @example {
             *       "id": "3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13",
             *       "sku": "TSHIRT-RED-M",
             *       "stock": 0
             *     }
             */
            data: unknown;
        };
        /**
         * EventPage
         * @description One page of the events feed, in the feed's stable order
         */
        EventPage: {
            data: components["schemas"]["WebhookEvent"][];
            /**
             * @description Pass as ?after= to read on; also on an empty page (it is then the cursor you sent). null only when the feed is empty and no cursor was sent
             * @example MTIzNDU2OjQ1Njc4
             */
            next_cursor: string | null;
            /**
             * @description true when more events are readable right now (read on at once); false: poll again later, or use wait
             * @example false
             */
            has_more: boolean;
        };
        /**
         * AuditActor
         * @description Who made the change
         */
        AuditActor: {
            /** @description user: a person with an access token; api_key: a program with an API key (id is the key's id) */
            type: components["schemas"]["AuditActorType"];
            /**
             * Format: uuid
             * @description The user id, or the API key id
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            id: string;
        };
        /**
         * AuditResource
         * @description What changed
         */
        AuditResource: {
            /** @description The kind of resource that changed */
            type: components["schemas"]["AuditResourceType"];
            /**
             * Format: uuid
             * @description The id of the resource that changed
             * @example 0b8f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b
             */
            id: string;
        };
        /**
         * AuditEvent
         * @description One change made through the API, recorded in the same transaction as the change
         * @example {
         *       "id": "8e2d4f6a-1b3c-4d5e-9f0a-1b2c3d4e5f6a",
         *       "at": "2026-11-24T10:00:00.000Z",
         *       "actor": {
         *         "type": "user",
         *         "id": "3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13"
         *       },
         *       "action": "product.updated",
         *       "resource": {
         *         "type": "product",
         *         "id": "0b8f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
         *       },
         *       "changes": {
         *         "price_cents": [
         *           1999,
         *           2499
         *         ]
         *       },
         *       "request_id": "5f0c6b7e-3d1c-4c52-9a57-2a3b8f0c1d2e"
         *     }
         */
        AuditEvent: {
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            id: string;
            /**
             * Format: date-time
             * @description When the change was made (the start of its transaction), RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            at: string;
            actor: components["schemas"]["AuditActor"];
            /**
             * @description `<resource>.<verb>`: product.created|updated|deleted|archived, customer.created|updated|deleted, order.created|status_changed, user.role_changed, webhook_endpoint.created|updated|deleted|secret_rotated, api_key.created|rolled|revoked; new actions may be added
             * @example product.updated
             */
            action: string;
            resource: components["schemas"]["AuditResource"];
            /**
             * @description Each field the change set, as `field: [before, after]` (only fields whose value changed)
             * @example {
             *       "price_cents": [
             *         1999,
             *         2499
             *       ]
             *     }
             */
            changes: {
                [key: string]: unknown[];
            };
            /**
             * @description The X-Request-Id of the request that made the change
             * @example 5f0c6b7e-3d1c-4c52-9a57-2a3b8f0c1d2e
             */
            request_id: string;
        };
        /**
         * AuditEventPage
         * @description One page of audit events, oldest first
         */
        AuditEventPage: {
            data: components["schemas"]["AuditEvent"][];
            /**
             * @description Pass as ?after= for the next page; null on the last page
             * @example eyJ2IjoiMjAyNi0xMS0yNFQxMDowMDowMC4wMDBaIn0
             */
            next_cursor: string | null;
        };
        /**
         * ApiKey
         * @description An API key, without its secret (shown only when it is created or rolled)
         * @example {
         *       "id": "2d7c4e1a-9b3f-4a6d-8e2c-5f1b7a9d3c60",
         *       "user_id": "3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13",
         *       "name": "ERP stock sync",
         *       "prefix": "gsk_WXNGUZFm",
         *       "scopes": [
         *         "products:read",
         *         "orders:read"
         *       ],
         *       "created_at": "2026-11-24T10:00:00.000Z",
         *       "expires_at": "2027-02-22T10:00:00.000Z",
         *       "last_used_at": null
         *     }
         */
        ApiKey: {
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            id: string;
            /**
             * Format: uuid
             * @description The owner: the key acts as this account
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            user_id: string;
            /**
             * @description What the key is for, up to 100 characters
             * @example ERP stock sync
             */
            name: string;
            /**
             * @description The key's first 12 characters, to tell keys apart
             * @example gsk_WXNGUZFm
             */
            prefix: string;
            /**
             * @description The key's scopes (a repeated scope counts once)
             * @example [
             *       "products:read",
             *       "orders:read"
             *     ]
             */
            scopes: ("products:read" | "products:write" | "customers:read" | "customers:write" | "orders:read" | "orders:write" | "events:read" | "webhooks:manage" | "audit:read")[];
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @description The key stops working at this time (RFC 3339 UTC); a roll brings it forward to the end of the overlap
             * @example 2027-02-22T10:00:00.000Z
             */
            expires_at: string;
            /** @description The last authenticated use, to the minute (written at most once a minute); null if never used */
            last_used_at: string | null;
        };
        /**
         * ApiKeyWithSecret
         * @description A new API key with its secret: only returned on creation and roll
         * @example {
         *       "id": "2d7c4e1a-9b3f-4a6d-8e2c-5f1b7a9d3c60",
         *       "user_id": "3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13",
         *       "name": "ERP stock sync",
         *       "prefix": "gsk_WXNGUZFm",
         *       "scopes": [
         *         "products:read",
         *         "orders:read"
         *       ],
         *       "created_at": "2026-11-24T10:00:00.000Z",
         *       "expires_at": "2027-02-22T10:00:00.000Z",
         *       "last_used_at": null,
         *       "key": "gsk_WXNGUZFmDK6yKCRD37dm8QNXXpxKatsPZJYB1FvW0YV1JnwY3"
         *     }
         */
        ApiKeyWithSecret: {
            /**
             * Format: uuid
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            id: string;
            /**
             * Format: uuid
             * @description The owner: the key acts as this account
             * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
             */
            user_id: string;
            /**
             * @description What the key is for, up to 100 characters
             * @example ERP stock sync
             */
            name: string;
            /**
             * @description The key's first 12 characters, to tell keys apart
             * @example gsk_WXNGUZFm
             */
            prefix: string;
            /**
             * @description The key's scopes (a repeated scope counts once)
             * @example [
             *       "products:read",
             *       "orders:read"
             *     ]
             */
            scopes: ("products:read" | "products:write" | "customers:read" | "customers:write" | "orders:read" | "orders:write" | "events:read" | "webhooks:manage" | "audit:read")[];
            /**
             * Format: date-time
             * @description RFC 3339 UTC
             * @example 2026-11-24T10:00:00.000Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @description The key stops working at this time (RFC 3339 UTC); a roll brings it forward to the end of the overlap
             * @example 2027-02-22T10:00:00.000Z
             */
            expires_at: string;
            /** @description The last authenticated use, to the minute (written at most once a minute); null if never used */
            last_used_at: string | null;
            /**
             * @description The key: send it as `Authorization: Bearer <key>`. Shown only in this response (only its SHA-256 is stored); store it now.
             * @example gsk_WXNGUZFmDK6yKCRD37dm8QNXXpxKatsPZJYB1FvW0YV1JnwY3
             */
            key: string;
        };
        /**
         * ApiKeyPage
         * @description One page of API keys, oldest first
         */
        ApiKeyPage: {
            data: components["schemas"]["ApiKey"][];
            /**
             * @description Pass as ?cursor= for the next page; null on the last page
             * @example eyJ2IjoiMjAyNi0xMS0yNFQxMDowMDowMC4wMDBaIn0
             */
            next_cursor: string | null;
        };
        /**
         * CreateApiKeyRequest
         * @description A new API key: its name, the scopes it may use (within your role) and, optionally, when it expires
         * @example {
         *       "name": "ERP stock sync",
         *       "scopes": [
         *         "products:read",
         *         "orders:read"
         *       ]
         *     }
         */
        CreateApiKeyRequest: {
            /**
             * @description What the key is for, up to 100 characters
             * @example ERP stock sync
             */
            name: string;
            /**
             * @description The key's scopes (a repeated scope counts once)
             * @example [
             *       "products:read",
             *       "orders:read"
             *     ]
             */
            scopes: ("products:read" | "products:write" | "customers:read" | "customers:write" | "orders:read" | "orders:write" | "events:read" | "webhooks:manage" | "audit:read")[];
            /**
             * Format: date-time
             * @description When the key stops working: in the future and at most 1 year away (422 API_KEY_EXPIRY_INVALID otherwise). Default: 90 days from now.
             * @example 2027-02-22T10:00:00.000Z
             */
            expires_at?: string;
        };
        /**
         * RollApiKeyRequest
         * @description How long the key being replaced keeps working
         * @example {
         *       "expires_in_hours": 24
         *     }
         */
        RollApiKeyRequest: {
            /**
             * Format: int32
             * @description How long the old key keeps working (0..168 hours; 0: it stops now)
             * @example 24
             */
            expires_in_hours: number;
        };
        /**
         * Role
         * @description Account role: customer (own orders and profile), staff (catalog, customers, orders), admin (everything, users and webhooks too)
         * @example customer
         * @enum {string}
         */
        Role: "customer" | "staff" | "admin";
        /**
         * LogLevelName
         * @description pino log level, from the most to the least verbose: trace, debug, info, warn, error, fatal; silent logs nothing
         * @example debug
         * @enum {string}
         */
        LogLevelName: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
        /**
         * OrderStatus
         * @description pending -> paid -> shipped -> delivered; pending|paid -> cancelled
         * @example pending
         * @enum {string}
         */
        OrderStatus: "pending" | "paid" | "shipped" | "delivered" | "cancelled";
        /**
         * WebhookEventType
         * @description order.created; order.status_changed (data.previous_status); product.out_of_stock (stock reached 0)
         * @example order.created
         * @enum {string}
         */
        WebhookEventType: "order.created" | "order.status_changed" | "product.out_of_stock";
        /**
         * DeliveryStatus
         * @description pending: waiting for (another) attempt; succeeded: a 2xx within 5 s; failed: retries exhausted
         * @example pending
         * @enum {string}
         */
        DeliveryStatus: "pending" | "succeeded" | "failed";
        /**
         * AttemptOutcome
         * @description succeeded: the receiver answered 2xx within 5 s; failed: anything else
         * @example failed
         * @enum {string}
         */
        AttemptOutcome: "succeeded" | "failed";
        /**
         * AuditActorType
         * @description user: a person with an access token; api_key: a program with an API key (id is the key's id)
         * @example user
         * @enum {string}
         */
        AuditActorType: "user" | "api_key";
        /**
         * AuditResourceType
         * @description The kind of resource that changed
         * @example product
         * @enum {string}
         */
        AuditResourceType: "product" | "customer" | "order" | "user" | "webhook_endpoint" | "api_key";
        /**
         * ProductSort
         * @description Order of the list; "-" means descending. Ties are broken by id. A cursor only continues the sort it was made for. "relevance" (only with q; 400 without) lists the best trigram match of q against the name or the sku first (the greater pg_trgm similarity, to 6 decimals), ties by id descending; its cursor is a keyset on (score, id), so pages neither repeat nor skip products while the catalog is unchanged.
         * @default created_at
         * @example -price_cents
         * @enum {string}
         */
        ProductSort: "created_at" | "-created_at" | "price_cents" | "-price_cents" | "name" | "relevance";
        /**
         * BatchMode
         * @description per_item: the good items are written, each bad one gets its problem; all_or_nothing: one bad item and nothing is written (409 BATCH_REJECTED with every result)
         * @example per_item
         * @enum {string}
         */
        BatchMode: "per_item" | "all_or_nothing";
        /**
         * DependencyStatus
         * @description up: reachable; down: unreachable (for Redis: no connection, and the replica is then not ready); degraded: Redis connected but slow, or skipped by its circuit breaker (the service runs on per-replica limits); embedded: the in-process stand-in (PGlite, the memory store)
         * @example up
         * @enum {string}
         */
        DependencyStatus: "up" | "down" | "degraded" | "embedded";
        /**
         * ReadinessStatus
         * @description ready: serve traffic; not_ready: Postgres is unreachable, a configured Redis has no connection, or the replica is shutting down
         * @example ready
         * @enum {string}
         */
        ReadinessStatus: "ready" | "not_ready";
        /**
         * FieldLocation
         * @description The part of the request the pointer points into
         * @example body
         * @enum {string}
         */
        FieldLocation: "body" | "query" | "path" | "header";
        /**
         * ProblemCode
         * @description Every error code the service sends (Problem.code); GET /problems/{slug} explains each
         * @example VALIDATION_FAILED
         * @enum {string}
         */
        ProblemCode: "BAD_REQUEST" | "BODY_TOO_DEEP" | "INVALID_CURSOR" | "INVALID_INPUT" | "INVALID_URL" | "MALFORMED_JSON" | "MALFORMED_REQUEST" | "VALIDATION_FAILED" | "WEAK_PASSWORD" | "API_KEY_INVALID" | "INVALID_CREDENTIALS" | "REFRESH_TOKEN_EXPIRED" | "REFRESH_TOKEN_INVALID" | "REFRESH_TOKEN_REUSED" | "TOKEN_EXPIRED" | "TOKEN_INVALID" | "TOKEN_MISSING" | "API_KEY_SCOPE_NOT_GRANTABLE" | "FORBIDDEN" | "INSUFFICIENT_SCOPE" | "API_KEY_NOT_FOUND" | "CUSTOMER_NOT_FOUND" | "NOT_FOUND" | "ORDER_NOT_FOUND" | "PRODUCT_NOT_FOUND" | "ROUTE_NOT_FOUND" | "USER_NOT_FOUND" | "WEBHOOK_DELIVERY_NOT_FOUND" | "WEBHOOK_NOT_FOUND" | "METHOD_NOT_ALLOWED" | "NOT_ACCEPTABLE" | "REQUEST_TIMEOUT" | "BATCH_REJECTED" | "CANNOT_DEMOTE_SELF" | "CUSTOMER_EMAIL_TAKEN" | "CUSTOMER_HAS_ORDERS" | "EMAIL_TAKEN" | "IDEMPOTENCY_KEY_IN_USE" | "INSUFFICIENT_STOCK" | "INVALID_TRANSITION" | "SKU_TAKEN" | "CURSOR_EXPIRED" | "PRECONDITION_FAILED" | "PAYLOAD_TOO_LARGE" | "URI_TOO_LONG" | "UNSUPPORTED_MEDIA_TYPE" | "EXPECTATION_FAILED" | "API_KEY_EXPIRY_INVALID" | "IDEMPOTENCY_KEY_REUSED" | "UNKNOWN_CUSTOMER" | "UNKNOWN_PRODUCT" | "WEBHOOK_URL_NOT_ALLOWED" | "BATCH_ABORTED" | "RATE_LIMITED" | "HEADERS_TOO_LARGE" | "INTERNAL_ERROR" | "SERVICE_OVERLOADED" | "SERVICE_UNAVAILABLE" | "TRANSACTION_CONFLICT";
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getLiveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is alive */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Liveness"];
                };
            };
            /** @description Bad Request: INVALID_URL */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready: send traffic */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description Bad Request: INVALID_URL */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not ready: Postgres is unreachable, Redis has no connection, or the replica is shutting down; the body says which */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    getHelp: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The introduction and the route list */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Help"];
                };
            };
            /** @description Bad Request: INVALID_URL */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listProblemTypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every problem type */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProblemTypeList"];
                };
            };
            /** @description Bad Request: INVALID_URL */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProblemType: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The last segment of a problem type URI
                 * @example token-missing
                 */
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The problem type */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProblemType"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    registerUser: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RegisterUserRequest"];
            };
        };
        responses: {
            /** @description The created account (role customer) */
            201: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description Bad Request: WEAK_PASSWORD, INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: EMAIL_TAKEN */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    loginUser: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginUserRequest"];
            };
        };
        responses: {
            /** @description An access token and the refresh token that renews it */
            200: {
                headers: {
                    /** @description Tokens must not be cached */
                    "Cache-Control"?: "no-store";
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenPair"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: INVALID_CREDENTIALS */
            401: {
                headers: {
                    /** @description Tokens must not be cached */
                    "Cache-Control"?: "no-store";
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description Tokens must not be cached */
                    "Cache-Control"?: "no-store";
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    refreshTokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RefreshTokensRequest"];
            };
        };
        responses: {
            /** @description An access token and the refresh token that renews it */
            200: {
                headers: {
                    /** @description Tokens must not be cached */
                    "Cache-Control"?: "no-store";
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenPair"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: REFRESH_TOKEN_INVALID, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REUSED */
            401: {
                headers: {
                    /** @description Tokens must not be cached */
                    "Cache-Control"?: "no-store";
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    logoutUser: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LogoutUserRequest"];
            };
        };
        responses: {
            /** @description No content */
            204: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCurrentUser: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller's account */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description Bad Request: INVALID_URL */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listProducts: {
        parameters: {
            query?: {
                /** @description Page size (1..100) */
                limit?: number;
                /** @description Opaque cursor from next_cursor */
                cursor?: string;
                /** @description Case-insensitive substring of the name or the sku (% and _ match literally) */
                q?: string;
                /** @description Only products priced at least this */
                min_price_cents?: number;
                /** @description Only products priced at most this */
                max_price_cents?: number;
                /** @description true: only stock > 0; false: only stock = 0 */
                in_stock?: boolean;
                /** @description Order of the list; "-" means descending. Ties are broken by id. A cursor only continues the sort it was made for. "relevance" (only with q; 400 without) lists the best trigram match of q against the name or the sku first (the greater pg_trgm similarity, to 6 decimals), ties by id descending; its cursor is a keyset on (score, id), so pages neither repeat nor skip products while the catalog is unchanged. */
                sort?: components["schemas"]["ProductSort"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of products */
            200: {
                headers: {
                    /** @description RFC 8288 link to the next page, when there is one */
                    Link?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProductPage"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, INVALID_CURSOR */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createProduct: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WriteProductRequest"];
            };
        };
        responses: {
            /** @description The created product */
            201: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description URL of the created resource */
                    Location?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Product"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: SKU_TAKEN */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    exportProducts: {
        parameters: {
            query?: {
                /** @description Case-insensitive substring of the name or the sku (% and _ match literally) */
                q?: string;
                /** @description Only products priced at least this */
                min_price_cents?: number;
                /** @description Only products priced at most this */
                max_price_cents?: number;
                /** @description true: only stock > 0; false: only stock = 0 */
                in_stock?: boolean;
                /** @description Order of the list; "-" means descending. Ties are broken by id. A cursor only continues the sort it was made for. "relevance" (only with q; 400 without) lists the best trigram match of q against the name or the sku first (the greater pg_trgm similarity, to 6 decimals), ties by id descending; its cursor is a keyset on (score, id), so pages neither repeat nor skip products while the catalog is unchanged. */
                sort?: components["schemas"]["ProductSort"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One Product per line (NDJSON), in the requested sort order */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/x-ndjson": components["schemas"]["Product"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProduct: {
        parameters: {
            query?: never;
            header?: {
                /** @description Answer 304 Not Modified (no body) when the resource still has this ETag (or one of a comma-separated list; `*` matches any) */
                "if-none-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The product */
            200: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Product"];
                };
            };
            /** @description Not modified: the resource still has the ETag sent in If-None-Match (no body) */
            304: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: PRODUCT_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    replaceProduct: {
        parameters: {
            query?: never;
            header?: {
                /** @description Only write when the resource still has this ETag (else 412 PRECONDITION_FAILED); `*` matches any */
                "if-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WriteProductRequest"];
            };
        };
        responses: {
            /** @description The product */
            200: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Product"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: PRODUCT_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: SKU_TAKEN */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Precondition Failed: PRECONDITION_FAILED */
            412: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteProduct: {
        parameters: {
            query?: never;
            header?: {
                /** @description Only write when the resource still has this ETag (else 412 PRECONDITION_FAILED); `*` matches any */
                "if-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: PRODUCT_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Precondition Failed: PRECONDITION_FAILED */
            412: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateProduct: {
        parameters: {
            query?: never;
            header?: {
                /** @description Only write when the resource still has this ETag (else 412 PRECONDITION_FAILED); `*` matches any */
                "if-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateProductRequest"];
            };
        };
        responses: {
            /** @description The product */
            200: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Product"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: PRODUCT_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: SKU_TAKEN */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Precondition Failed: PRECONDITION_FAILED */
            412: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    upsertProductBatch: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the request safe to retry for 24 h: the same key and body replay the original response (with `Idempotent-Replayed: true`). Scoped to the caller. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpsertProductBatchRequest"];
            };
        };
        responses: {
            /** @description Every item's outcome, in input order */
            200: {
                headers: {
                    /** @description Present when this response is the replay of an earlier request with the same Idempotency-Key */
                    "Idempotent-Replayed"?: "true";
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProductBatchResponse"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: BATCH_REJECTED, IDEMPOTENCY_KEY_IN_USE */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unprocessable Entity: IDEMPOTENCY_KEY_REUSED */
            422: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: TRANSACTION_CONFLICT, SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listCustomers: {
        parameters: {
            query?: {
                /** @description Page size (1..100) */
                limit?: number;
                /** @description Opaque cursor from next_cursor */
                cursor?: string;
                /** @description Case-insensitive substring of the first name, last name, "first last" or email (% and _ match literally) */
                q?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of customers (a customer-role caller gets only its own profile) */
            200: {
                headers: {
                    /** @description RFC 8288 link to the next page, when there is one */
                    Link?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomerPage"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, INVALID_CURSOR */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WriteCustomerRequest"];
            };
        };
        responses: {
            /** @description The created customer profile */
            201: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description URL of the created resource */
                    Location?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: CUSTOMER_EMAIL_TAKEN */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCustomer: {
        parameters: {
            query?: never;
            header?: {
                /** @description Answer 304 Not Modified (no body) when the resource still has this ETag (or one of a comma-separated list; `*` matches any) */
                "if-none-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The customer profile */
            200: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            /** @description Not modified: the resource still has the ETag sent in If-None-Match (no body) */
            304: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: CUSTOMER_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    replaceCustomer: {
        parameters: {
            query?: never;
            header?: {
                /** @description Only write when the resource still has this ETag (else 412 PRECONDITION_FAILED); `*` matches any */
                "if-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WriteCustomerRequest"];
            };
        };
        responses: {
            /** @description The customer profile */
            200: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: CUSTOMER_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: CUSTOMER_EMAIL_TAKEN */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Precondition Failed: PRECONDITION_FAILED */
            412: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteCustomer: {
        parameters: {
            query?: never;
            header?: {
                /** @description Only write when the resource still has this ETag (else 412 PRECONDITION_FAILED); `*` matches any */
                "if-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: CUSTOMER_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: CUSTOMER_HAS_ORDERS */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Precondition Failed: PRECONDITION_FAILED */
            412: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateCustomer: {
        parameters: {
            query?: never;
            header?: {
                /** @description Only write when the resource still has this ETag (else 412 PRECONDITION_FAILED); `*` matches any */
                "if-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateCustomerRequest"];
            };
        };
        responses: {
            /** @description The customer profile */
            200: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: CUSTOMER_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: CUSTOMER_EMAIL_TAKEN */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Precondition Failed: PRECONDITION_FAILED */
            412: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listOrders: {
        parameters: {
            query?: {
                /** @description Page size (1..100) */
                limit?: number;
                /** @description Opaque cursor from next_cursor */
                cursor?: string;
                /** @description Only orders in this status */
                status?: components["schemas"]["OrderStatus"];
                /** @description Only orders of this customer (a customer caller only ever sees its own orders) */
                customer_id?: string;
                /** @description Only orders created strictly after this instant (RFC 3339) */
                created_after?: string;
                /** @description Only orders created strictly before this instant (RFC 3339) */
                created_before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of orders */
            200: {
                headers: {
                    /** @description RFC 8288 link to the next page, when there is one */
                    Link?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderPage"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, INVALID_CURSOR */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createOrder: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the request safe to retry for 24 h: the same key and body replay the original response (with `Idempotent-Replayed: true`). Scoped to the caller. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateOrderRequest"];
            };
        };
        responses: {
            /** @description The created order (or, with `Idempotent-Replayed: true`, the one created by an earlier request with the same key) */
            201: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description URL of the created resource */
                    Location?: string;
                    /** @description Present when this response is the replay of an earlier request with the same Idempotency-Key */
                    "Idempotent-Replayed"?: "true";
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: CUSTOMER_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: INSUFFICIENT_STOCK, IDEMPOTENCY_KEY_IN_USE */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unprocessable Entity: UNKNOWN_CUSTOMER, UNKNOWN_PRODUCT, IDEMPOTENCY_KEY_REUSED */
            422: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: TRANSACTION_CONFLICT, SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    exportOrders: {
        parameters: {
            query?: {
                /** @description Only orders in this status */
                status?: components["schemas"]["OrderStatus"];
                /** @description Only orders of this customer (a customer caller only ever sees its own orders) */
                customer_id?: string;
                /** @description Only orders created strictly after this instant (RFC 3339) */
                created_after?: string;
                /** @description Only orders created strictly before this instant (RFC 3339) */
                created_before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One Order per line (NDJSON), oldest first */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/x-ndjson": components["schemas"]["Order"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getOrder: {
        parameters: {
            query?: never;
            header?: {
                /** @description Answer 304 Not Modified (no body) when the resource still has this ETag (or one of a comma-separated list; `*` matches any) */
                "if-none-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The order */
            200: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description Not modified: the resource still has the ETag sent in If-None-Match (no body) */
            304: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: ORDER_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    transitionOrder: {
        parameters: {
            query?: never;
            header?: {
                /** @description Only write when the resource still has this ETag (else 412 PRECONDITION_FAILED); `*` matches any */
                "if-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TransitionOrderRequest"];
            };
        };
        responses: {
            /** @description The order */
            200: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: FORBIDDEN, INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: ORDER_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: INVALID_TRANSITION */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Precondition Failed: PRECONDITION_FAILED */
            412: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: TRANSACTION_CONFLICT, SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateUserRole: {
        parameters: {
            query?: never;
            header?: {
                /** @description Only write when the resource still has this ETag (else 412 PRECONDITION_FAILED); `*` matches any */
                "if-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateUserRoleRequest"];
            };
        };
        responses: {
            /** @description The user with its new role */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: USER_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: CANNOT_DEMOTE_SELF, CUSTOMER_EMAIL_TAKEN */
            409: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Precondition Failed: PRECONDITION_FAILED */
            412: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateLogLevel: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateLogLevelRequest"];
            };
        };
        responses: {
            /** @description The level now in effect on the replica that answered */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LogLevel"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listWebhookEndpoints: {
        parameters: {
            query?: {
                /** @description Page size (1..100) */
                limit?: number;
                /** @description Opaque cursor from next_cursor */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of endpoints */
            200: {
                headers: {
                    /** @description RFC 8288 link to the next page, when there is one */
                    Link?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpointPage"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, INVALID_CURSOR */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateWebhookEndpointRequest"];
            };
        };
        responses: {
            /** @description The created endpoint, with its secret */
            201: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description URL of the created resource */
                    Location?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpointWithSecret"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unprocessable Entity: WEBHOOK_URL_NOT_ALLOWED */
            422: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: {
                /** @description Answer 304 Not Modified (no body) when the resource still has this ETag (or one of a comma-separated list; `*` matches any) */
                "if-none-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint */
            200: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            /** @description Not modified: the resource still has the ETag sent in If-None-Match (no body) */
            304: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: WEBHOOK_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: {
                /** @description Only write when the resource still has this ETag (else 412 PRECONDITION_FAILED); `*` matches any */
                "if-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: WEBHOOK_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Precondition Failed: PRECONDITION_FAILED */
            412: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: {
                /** @description Only write when the resource still has this ETag (else 412 PRECONDITION_FAILED); `*` matches any */
                "if-match"?: string;
            };
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateWebhookEndpointRequest"];
            };
        };
        responses: {
            /** @description The endpoint */
            200: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: WEBHOOK_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Precondition Failed: PRECONDITION_FAILED */
            412: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unprocessable Entity: WEBHOOK_URL_NOT_ALLOWED */
            422: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rotateWebhookEndpointSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint, with its new secret */
            200: {
                headers: {
                    /** @description Strong ETag of the returned resource; send it back as If-Match */
                    ETag?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpointWithSecret"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: WEBHOOK_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listWebhookDeliveries: {
        parameters: {
            query?: {
                /** @description Page size (1..100) */
                limit?: number;
                /** @description Opaque cursor from next_cursor */
                cursor?: string;
                /** @description pending: waiting for (another) attempt; succeeded: a 2xx within 5 s; failed: retries exhausted */
                status?: components["schemas"]["DeliveryStatus"];
            };
            header?: never;
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of deliveries */
            200: {
                headers: {
                    /** @description RFC 8288 link to the next page, when there is one */
                    Link?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDeliveryPage"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, INVALID_CURSOR */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: WEBHOOK_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    retryWebhookDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The id of the webhook endpoint
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
                /**
                 * @description The id of one of its deliveries
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                delivery_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The delivery, due now */
            202: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDelivery"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: WEBHOOK_NOT_FOUND, WEBHOOK_DELIVERY_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listAuditEvents: {
        parameters: {
            query?: {
                /** @description The kind of resource that changed */
                resource_type?: components["schemas"]["AuditResourceType"];
                /** @description Only changes of this resource */
                resource_id?: string;
                /** @description Only changes made by this user or API key */
                actor_id?: string;
                /** @description Opaque cursor from next_cursor: the events after it */
                after?: string;
                /** @description Page size (1..100) */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of audit events */
            200: {
                headers: {
                    /** @description RFC 8288 link to the next page, when there is one */
                    Link?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditEventPage"];
                };
            };
            /** @description Bad Request: INVALID_CURSOR, INVALID_URL, VALIDATION_FAILED */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listEvents: {
        parameters: {
            query?: {
                /** @description The next_cursor of the previous page; without it the feed starts at the oldest event kept */
                after?: string;
                /** @description Comma-separated event types to return (order.created, order.status_changed, product.out_of_stock); an unknown type is a 400 */
                types?: string;
                /** @description Page size (1..1000) */
                limit?: number;
                /** @description Long-poll: when the page would be empty, wait up to this many seconds for an event before answering */
                wait?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of events */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventPage"];
                };
            };
            /** @description Bad Request: INVALID_CURSOR, INVALID_URL, VALIDATION_FAILED */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE, FORBIDDEN */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gone: CURSOR_EXPIRED */
            410: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listApiKeys: {
        parameters: {
            query?: {
                /** @description Page size (1..100) */
                limit?: number;
                /** @description Opaque cursor from next_cursor */
                cursor?: string;
                /** @description Admins: only this user's keys (others see only their own keys anyway) */
                user_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of keys */
            200: {
                headers: {
                    /** @description RFC 8288 link to the next page, when there is one */
                    Link?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyPage"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, INVALID_CURSOR */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateApiKeyRequest"];
            };
        };
        responses: {
            /** @description The created key, with its secret */
            201: {
                headers: {
                    /** @description URL of the created resource */
                    Location?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyWithSecret"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: API_KEY_SCOPE_NOT_GRANTABLE, INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unprocessable Entity: API_KEY_EXPIRY_INVALID */
            422: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The key */
            200: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: API_KEY_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: API_KEY_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rollApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The id of the resource
                 * @example 3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RollApiKeyRequest"];
            };
        };
        responses: {
            /** @description The new key, with its secret */
            201: {
                headers: {
                    /** @description URL of the created resource */
                    Location?: string;
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyWithSecret"];
                };
            };
            /** @description Bad Request: INVALID_URL, VALIDATION_FAILED, MALFORMED_JSON, BODY_TOO_DEEP, BAD_REQUEST, INVALID_INPUT */
            400: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unauthorized: TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID, API_KEY_INVALID */
            401: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description The authentication scheme to use: `Bearer` */
                    "WWW-Authenticate"?: "Bearer";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden: INSUFFICIENT_SCOPE */
            403: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Found: API_KEY_NOT_FOUND */
            404: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not Acceptable: NOT_ACCEPTABLE */
            406: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload Too Large: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description URI Too Long: URI_TOO_LONG */
            414: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Media Type: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too Many Requests: RATE_LIMITED */
            429: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service Unavailable: SERVICE_UNAVAILABLE, SERVICE_OVERLOADED */
            503: {
                headers: {
                    /** @description The id of this request (the caller's X-Request-Id when it sent a valid one); also in logs and problem bodies */
                    "X-Request-Id"?: string;
                    /** @description How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise */
                    "Content-Encoding"?: "br" | "gzip" | "deflate" | "zstd";
                    /** @description Requests allowed in the current window */
                    "RateLimit-Limit"?: number;
                    /** @description Requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description Seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
