/**
 * The bounds of the contract (SPEC §1: every string has a maxLength, every array a maxItems,
 * every integer a minimum and a maximum). Request bounds are what a real client needs; response
 * bounds are what the service can produce. docs/openapi.md lists the choices. Apart from
 * schemas/common.ts (which imports schemas/problem.ts) so that every schema file can use them.
 */

/** Counters and configured numbers (rate-limit budgets, seconds, attempts): the int32 range. */
export const INT32_MAX = 2_147_483_647

/** `?limit=` and the `data` of every page. */
export const MAX_PAGE_SIZE = 100
/**
 * A cursor is base64url JSON of the last row's sort key and id; the longest key is a product
 * name (200 UTF-16 units, JSON-escaped at worst to 6 bytes each), so 2048 holds any cursor the
 * service hands out.
 */
export const MAX_CURSOR_LENGTH = 2048
/** URLs and URL-carrying headers (Location, Link, webhook targets, problem `instance`). */
export const MAX_URL_LENGTH = 2048
/** One ETag the service sends (a quoted row version). */
export const MAX_ETAG_LENGTH = 128
/** If-Match / If-None-Match: a comma-separated list of ETags. */
export const MAX_ETAG_LIST_LENGTH = 1024

/** Short labels: titles, names, summaries. */
export const MAX_TITLE_LENGTH = 200
/** Free text written by people (product descriptions). */
export const MAX_TEXT_LENGTH = 5000
/** Error codes (Problem.code) and other UPPER_SNAKE identifiers. */
export const MAX_CODE_LENGTH = 64
/** Request ids (X-Request-Id, problem `request_id`). */
export const MAX_REQUEST_ID_LENGTH = 128
/** A problem's `detail`, and a field error's `pointer` and `detail`. */
export const MAX_DETAIL_LENGTH = 2048
/** Field errors in one problem: one per order line at most (validation itself lists at most 10). */
export const MAX_FIELD_ERRORS = 100
