/** A route option's hooks (one function, a list, or none) as a list, for onRoute hooks that add their own. */
export const routeHooks = <T>(hooks: T | T[] | undefined): T[] => hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]
