// The loopback DNS server the reverse DNS tests use (shared with the benchmark, which is built without test/).
export * from '../../bench/dns-server.js';
