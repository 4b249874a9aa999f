// A real Backstage catalog backend for the platform-cli tests: the catalog plugin, the module that
// accepts Template entities, and a module that allows `file` locations (registered feature repos are
// local directories in the tests). Config comes from --config (written by tests/backstage_server.py).
'use strict';

const { createBackend } = require('@backstage/backend-defaults');
const { createBackendModule } = require('@backstage/backend-plugin-api');
const { catalogLocationsExtensionPoint } = require('@backstage/plugin-catalog-node');

const fileLocations = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'platform-cli-test-locations',
  register(env) {
    env.registerInit({
      deps: { locations: catalogLocationsExtensionPoint },
      async init({ locations }) {
        locations.setAllowedLocationTypes(['url', 'file']);
      },
    });
  },
});

const backend = createBackend();
backend.add(require('@backstage/plugin-catalog-backend').default);
backend.add(require('@backstage/plugin-catalog-backend-module-scaffolder-entity-model').default);
backend.add(fileLocations);
backend.start();
