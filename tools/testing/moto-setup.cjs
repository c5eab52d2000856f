module.exports = require('./moto-server.cjs').setup;
