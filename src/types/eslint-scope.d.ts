// The parts of eslint-scope 8 that threadlab uses (the package ships no types).
declare module "eslint-scope" {
  export interface Reference {
    identifier: { name: string };
    isWrite(): boolean;
  }
  export interface Scope {
    through: Reference[];
  }
  export interface ScopeManager {
    globalScope: Scope | null;
  }
  export function analyze(ast: unknown, options?: { ecmaVersion?: number; sourceType?: string }): ScopeManager;
}
