/** A JSON Schema reader for tests: enough of 2020-12 to check what the service sends against its API description. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Resolves a local JSON pointer such as `#/components/schemas/Source`; undefined when absent. */
export function resolvePointer(doc: Json, ref: string): Json | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let node: Json | undefined = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object") return undefined;
    node = Array.isArray(node) ? node[Number(key)] : node[key];
  }
  return node;
}

/**
 * The JSON Schema 2020-12 keywords the description uses, checked as a fuzzer would read
 * them: enough to tell whether a payload the service sends or accepts fits the schema.
 */
export function validate(doc: Json, schema: Json, value: Json, at = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: no value allowed`];
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return [`${at}: bad schema`];
  const s = schema;
  const errors: string[] = [];
  if (typeof s.$ref === "string") {
    const target = resolvePointer(doc, s.$ref);
    if (target === undefined) return [`${at}: unresolved ${s.$ref}`];
    errors.push(...validate(doc, target, value, at));
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) errors.push(...validate(doc, sub, value, at));
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => validate(doc, sub, value, at).length === 0)) errors.push(`${at}: matches no anyOf branch`);
  if (Array.isArray(s.oneOf) && s.oneOf.filter((sub) => validate(doc, sub, value, at).length === 0).length !== 1) errors.push(`${at}: matches not exactly one oneOf branch`);
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const actual = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    const fits = types.some((t) => t === actual || (t === "integer" && Number.isInteger(value)));
    if (!fits) return [...errors, `${at}: expected ${types.join("|")}, got ${actual}`];
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) errors.push(`${at}: not in enum`);
  if ("const" in s && JSON.stringify(s.const) !== JSON.stringify(value)) errors.push(`${at}: not ${JSON.stringify(s.const)}`);
  if (typeof value === "string") {
    const length = [...value].length;
    if (typeof s.minLength === "number" && length < s.minLength) errors.push(`${at}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === "number" && length > s.maxLength) errors.push(`${at}: longer than ${s.maxLength}`);
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(value)) errors.push(`${at}: does not match ${s.pattern}`);
    if (s.format === "date-time" && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)) errors.push(`${at}: not a date-time`);
    if (s.format === "uri" && !URL.canParse(value)) errors.push(`${at}: not a URI`);
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) errors.push(`${at}: below ${s.minimum}`);
    if (typeof s.maximum === "number" && value > s.maximum) errors.push(`${at}: above ${s.maximum}`);
  }
  if (Array.isArray(value) && s.items !== undefined) value.forEach((item, i) => errors.push(...validate(doc, s.items!, item, `${at}[${i}]`)));
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    if (Array.isArray(s.required)) for (const key of s.required) if (!(String(key) in value)) errors.push(`${at}: missing ${String(key)}`);
    const properties = s.properties !== null && typeof s.properties === "object" && !Array.isArray(s.properties) ? s.properties : {};
    for (const [key, child] of Object.entries(value)) {
      if (key in properties) errors.push(...validate(doc, properties[key]!, child, `${at}.${key}`));
      else if (s.additionalProperties !== undefined) errors.push(...validate(doc, s.additionalProperties, child, `${at}.${key}`));
    }
  }
  return errors;
}
