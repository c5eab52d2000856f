module.exports = require('./moto-server.cjs').teardown;
