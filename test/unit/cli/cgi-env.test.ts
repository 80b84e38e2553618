import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CgiRequest, cgiEnvironment } from '../../../src/cli/cgi-env.js';

const server = { host: '127.0.0.1', port: 9000, software: 'wskit/1.2.3' };

function request(overrides: Partial<CgiRequest> = {}): CgiRequest {
  return {
    url: '/chat/r%C3%A9union?name=al&x=%20',
    headers: { host: 'example.test:9000', 'user-agent': 'test', 'x-forwarded-for': '10.0.0.1' },
    remoteAddress: '127.0.0.1',
    remotePort: 54321,
    secure: false,
    ...overrides,
  };
}

describe('cgiEnvironment', () => {
  test('the request, the server and the peer', () => {
    assert.deepEqual(cgiEnvironment(request(), server), {
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_SOFTWARE: 'wskit/1.2.3',
      SERVER_PROTOCOL: 'HTTP/1.1',
      SERVER_NAME: 'example.test',
      SERVER_PORT: '9000',
      REQUEST_METHOD: 'GET',
      REQUEST_URI: '/chat/r%C3%A9union?name=al&x=%20',
      PATH_INFO: '/chat/réunion',
      QUERY_STRING: 'name=al&x=%20',
      REMOTE_ADDR: '127.0.0.1',
      REMOTE_PORT: '54321',
      HTTP_HOST: 'example.test:9000',
      HTTP_USER_AGENT: 'test',
      HTTP_X_FORWARDED_FOR: '10.0.0.1',
    });
  });

  test('HTTPS=on over TLS; SERVER_NAME from an IPv6 Host, or the listening host without one', () => {
    const env = cgiEnvironment(request({ secure: true, headers: { host: '[::1]:9000' } }), server);
    assert.equal(env.HTTPS, 'on');
    assert.equal(env.SERVER_NAME, '::1');
    assert.equal(cgiEnvironment(request({ headers: {} }), server).SERVER_NAME, '127.0.0.1');
    assert.equal(cgiEnvironment(request(), server).HTTPS, undefined);
  });

  test('no query: QUERY_STRING is empty; a malformed escape leaves PATH_INFO as sent', () => {
    const env = cgiEnvironment(request({ url: '/a%zz' }), server);
    assert.equal(env.QUERY_STRING, '');
    assert.equal(env.PATH_INFO, '/a%zz');
  });

  test('a Proxy header never becomes HTTP_PROXY (httpoxy); odd names are left out', () => {
    const env = cgiEnvironment(
      request({
        headers: { proxy: 'http://evil.test', 'x.dotted': '1', 'set-cookie': ['a', 'b'] },
      }),
      server,
    );
    assert.equal(env.HTTP_PROXY, undefined);
    assert.equal(
      Object.keys(env).some((name) => name.includes('.')),
      false,
    );
    assert.equal(env.HTTP_SET_COOKIE, 'a, b');
  });
});
