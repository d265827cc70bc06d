// Words for config errors: what a field should be ("a list of URLs") and what it is ("got
// string"). lua/zeke/config.lua derives the same words from the same JSON Schema, so a field
// gets the same message whether it came from setup() or zeke.toml.
import type { JsonSchema } from './schema.js';

/** What the schema node at a path accepts, in a user's words. */
export function expectedLabel(node: JsonSchema | undefined): string {
  if (!node) return 'valid';
  if (node.expected) return node.expected;
  if (node.enum) return 'one of ' + node.enum.map((v) => JSON.stringify(v)).join(', ');
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.anyOf) return node.anyOf.map(expectedLabel).join(' or ');
  switch (node.type) {
    case 'string':
      return node.format === 'uri' ? 'a URL' : 'a string';
    case 'integer':
      return node.minimum !== undefined && node.minimum >= 0 ? 'a whole number ≥ ' + node.minimum : 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return node.items ? 'a list of ' + plural(expectedLabel(node.items)) : 'a list';
    case 'object':
      return 'a table';
    default:
      return 'valid';
  }
}

function plural(label: string): string {
  return label.replace(/^an? (\w+)/, '$1s');
}

/** Lua's names for a value's type: what a Neovim user sees in their config. */
export function luaTypeName(value: unknown): string {
  if (value === undefined || value === null) return 'nil';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return 'table';
    default:
      return typeof value;
  }
}

/** The schema node for a path, through properties, records, lists and unions. */
export function schemaAt(root: JsonSchema, path: readonly PropertyKey[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = root;
  for (const key of path) {
    if (!node) return undefined;
    node = childSchema(node, key);
  }
  return node;
}

function childSchema(node: JsonSchema, key: PropertyKey): JsonSchema | undefined {
  if (node.anyOf) {
    for (const branch of node.anyOf) {
      const child = childSchema(branch, key);
      if (child) return child;
    }
    return undefined;
  }
  if (typeof key === 'number') return node.items;
  const prop = node.properties?.[String(key)];
  if (prop) return prop;
  return typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key + 1}]`;
    else out += (out ? '.' : '') + String(key);
  }
  return out || '(top level)';
}
