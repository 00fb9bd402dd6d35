/**
 * Re-applies a clone's own deployments after a refresh (`clone refresh
 * --reapply`). The orchestrate module implements it; `app/` wires it in.
 */
export interface DeploymentReplayer {
  /** Reads the deployments recorded in `clone` that its `source` does not have (called before the reset). */
  capture(clone: string, source: string): Promise<unknown>;
  /** Applies the captured deployments to the refreshed clone; returns their names, in the order applied. */
  replay(clone: string, captured: unknown): Promise<readonly string[]>;
}
