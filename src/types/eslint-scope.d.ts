// The parts of eslint-scope 8 that threadlab uses (the package ships no types).
declare module "eslint-scope" {
  export interface Reference {
    identifier: { name: string };
    isWrite(): boolean;
    /** Whether this write is the declaration's initializer. */
    init?: boolean;
  }
  export interface Variable {
    name: string;
    references: Reference[];
    defs: Array<{ type: string }>;
  }
  export interface Scope {
    type: string;
    through: Reference[];
    upper: Scope | null;
    set: Map<string, Variable>;
  }
  export interface ScopeManager {
    globalScope: Scope | null;
    acquire(node: unknown, inner?: boolean): Scope | null;
  }
  export function analyze(ast: unknown, options?: { ecmaVersion?: number; sourceType?: string }): ScopeManager;
}
