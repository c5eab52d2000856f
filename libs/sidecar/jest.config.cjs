module.exports = require('../../tools/testing/jest-project.cjs')(__dirname, { displayName: 'sidecar' });
