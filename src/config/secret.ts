// A secret that cannot leak by accident: JSON, util.inspect and String() all print only
// whether it is set. Only `reveal()` gives the value, at the one place that sends it.
import { inspect } from 'node:util';

export class Secret {
  readonly #value: string | undefined;
  /** How the user gave it: `env:OPENAI_API_KEY`, `config`, or `none`. */
  readonly source: string;

  constructor(value: string | undefined, source: string) {
    this.#value = value === '' ? undefined : value;
    this.source = source;
  }

  get isSet(): boolean {
    return this.#value !== undefined;
  }

  reveal(): string | undefined {
    return this.#value;
  }

  /** "set (env:OPENAI_API_KEY)" / "not set (env:OPENAI_API_KEY is empty)" — for health output. */
  describe(): string {
    if (this.source.startsWith('env:')) {
      return this.isSet ? `set (${this.source})` : `not set (${this.source.slice(4)} is empty or unset)`;
    }
    if (this.source === 'config') return this.isSet ? 'set (in config)' : 'not set';
    return 'not set';
  }

  toJSON(): string {
    return this.isSet ? '[set]' : '[not set]';
  }

  toString(): string {
    return this.toJSON();
  }

  [inspect.custom](): string {
    return `Secret(${this.toJSON()}, ${this.source})`;
  }
}

/** `env:VAR` reads the environment at resolve time; anything else is the literal key. */
export function resolveSecret(spec: string | undefined, env: NodeJS.ProcessEnv): Secret {
  if (spec === undefined) return new Secret(undefined, 'none');
  if (spec.startsWith('env:')) {
    const name = spec.slice(4).trim();
    return new Secret(env[name], `env:${name}`);
  }
  return new Secret(spec, 'config');
}
