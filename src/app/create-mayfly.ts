import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { SqliteCatalog } from '../catalog/sqlite-catalog.js';
import { loadConfig, type ResolvedConfig } from '../config/mayfly-config.js';
import { LocalObjectStore } from '../storage/local-object-store.js';
import { Warehouse } from '../warehouse/warehouse.js';
import { CloneActivityTracker } from '../clones/activity-tracker.js';
import type { CloneLifecycle } from '../clones/clone-lifecycle.js';
import type { DeploymentReplayer } from '../clones/deployment-replayer.js';
import { Meter } from '../costs/meter.js';
import type { WarehouseSettings } from '../warehouse/warehouse-settings.js';

/** Options of {@link createMayfly}. */
export interface MayflyOptions {
  /** Warehouse home; overrides `MAYFLY_HOME` and `mayfly.yaml`. */
  readonly home?: string;
  /** Path of `mayfly.yaml` (default: the working directory's, if any). */
  readonly configPath?: string;
  /** Settings to override (tests use small files and short windows). */
  readonly settings?: Partial<WarehouseSettings>;
  /** The clock (tests pass a fake one). */
  readonly clock?: Clock;
  /** A configuration already loaded (the CLI's); `home` and `configPath` are then not used. */
  readonly config?: ResolvedConfig;
}

const CATALOG_FILE = 'catalog.sqlite';

// The lifecycle is loaded on first use (synchronously: `lifecycle` is a property), not with the wiring.
const load = createRequire(import.meta.url);

/** Whether `home` holds a warehouse (its catalog), without creating anything. */
export function hasWarehouse(home: string): boolean {
  return existsSync(join(home, CATALOG_FILE));
}

/** A wired Mayfly: the warehouse, the configuration it came from, and the control plane's listeners. */
export interface Mayfly {
  readonly config: ResolvedConfig;
  readonly warehouse: Warehouse;
  /** Meters compute and storage per database (for cost reports). */
  readonly meter: Meter;
  /** Notes the last activity of clones (for idle expiry). */
  readonly activity: CloneActivityTracker;
  /** Re-applies a clone's own deployments after a refresh. */
  readonly replayer: DeploymentReplayer;
  /** Clone create, extend, pin, refresh and destroy. */
  readonly lifecycle: CloneLifecycle;
  /** Flushes what the listeners buffered and closes the catalog. */
  close(): void;
}

/** The one place that picks implementations: SQLite catalog, local object store, DuckDB engine. */
export function createMayfly(options: MayflyOptions = {}): Mayfly {
  const config =
    options.config ?? loadConfig({ ...(options.configPath ? { configPath: options.configPath } : {}), ...(options.home ? { home: options.home } : {}) });
  mkdirSync(config.home, { recursive: true });
  const catalog = SqliteCatalog.open(join(config.home, CATALOG_FILE), { metadataCacheBytes: config.catalogCacheBytes });
  const store = new LocalObjectStore(config.home);
  const { home: _home, file: _file, project: _project, projectDir: _projectDir, catalogCacheBytes: _cache, ...fromConfig } = config;
  const settings: WarehouseSettings = { ...fromConfig, ...options.settings };
  const warehouse = new Warehouse(catalog, store, options.clock ?? systemClock, settings);
  const meter = Meter.attach(warehouse, config);
  const activity = CloneActivityTracker.attach(warehouse);
  const replayer = lazyReplayer(warehouse);
  let lifecycle: CloneLifecycle | undefined;
  return {
    config,
    warehouse,
    meter,
    activity,
    replayer,
    // Built when first asked for: listing commands never load it (its naming rules, hooks and transitions).
    get lifecycle(): CloneLifecycle {
      lifecycle ??= new (load('../clones/clone-lifecycle.js') as typeof import('../clones/clone-lifecycle.js')).CloneLifecycle(warehouse, config, replayer);
      return lifecycle;
    },
    close: () => {
      // Each listener flushes on its own: one that fails must not cost the other its buffer.
      const failures: unknown[] = [];
      for (const listener of [activity, meter]) {
        try {
          listener.detach();
        } catch (e) {
          failures.push(e);
        }
      }
      catalog.close();
      if (failures.length > 0) throw failures[0];
    },
  };
}

/** The orchestrate module's replayer, imported on first use: only `--reapply` and reap's refreshes need the deployer. */
function lazyReplayer(warehouse: Warehouse): DeploymentReplayer {
  let loaded: Promise<DeploymentReplayer> | undefined;
  const get = (): Promise<DeploymentReplayer> =>
    (loaded ??= import('../orchestrate/deployment-replayer.js').then((m) => new m.WarehouseDeploymentReplayer(warehouse)));
  return {
    capture: async (clone, source) => (await get()).capture(clone, source),
    replay: async (clone, captured) => (await get()).replay(clone, captured),
  };
}
