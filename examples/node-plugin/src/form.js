'use strict';
// URL-encoded parameters exactly as Go's net/url encodes and parses them,
// so that a signature computed here matches one computed by a Go provider
// (examples/go-plugin/sim) and the other way round. Parameters are a Map
// from name to the list of its values, in arrival order.

/**
 * queryEscape is Go's url.QueryEscape: every byte but A-Z a-z 0-9 - _ . ~
 * becomes %XX (upper-case hex), a space becomes +.
 * @param {string} s
 * @returns {string}
 */
function queryEscape(s) {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/**
 * encode is Go's url.Values.Encode: name=value pairs sorted by name (values
 * of one name in their order), joined by &.
 * @param {Map<string, string[]>} values
 * @returns {string}
 */
function encode(values) {
  const names = [...values.keys()].sort(compareBytes);
  const parts = [];
  for (const name of names) {
    for (const v of values.get(name)) {
      parts.push(queryEscape(name) + '=' + queryEscape(v));
    }
  }
  return parts.join('&');
}

// compareBytes orders strings as Go's sort.Strings does: by UTF-8 bytes,
// which differs from JavaScript's UTF-16 order beyond the BMP.
function compareBytes(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * parse is Go's url.ParseQuery: pairs separated by &, + is a space. Like Go
 * it keeps the pairs it can read and reports the first it cannot (a
 * semicolon, a bad escape); a caller verifying a signature refuses both.
 * @param {string} raw
 * @returns {{values: Map<string, string[]>, error: string}}
 */
function parse(raw) {
  const values = new Map();
  let error = '';
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    if (pair.includes(';')) {
      error ||= 'invalid semicolon separator in query';
      continue;
    }
    const eq = pair.indexOf('=');
    const [k, v] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    let name, value;
    try {
      name = decodeURIComponent(k.replace(/\+/g, ' '));
      value = decodeURIComponent(v.replace(/\+/g, ' '));
    } catch {
      error ||= 'invalid escape in query';
      continue;
    }
    if (!values.has(name)) values.set(name, []);
    values.get(name).push(value);
  }
  return { values, error };
}

/**
 * rawQuery is the query string of a request URL as Go's url.Parse finds it:
 * after the first ?, before any #.
 * @param {string} url
 * @returns {string}
 */
function rawQuery(url) {
  const hash = url.indexOf('#');
  if (hash >= 0) url = url.slice(0, hash);
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

/**
 * headerValue is the first value of a header of a payhost.plugin.v1.HTTPRequest,
 * its name compared case-insensitively.
 * @param {{header?: Object<string, {values: string[]}>}} req
 * @param {string} name
 * @returns {string}
 */
function headerValue(req, name) {
  for (const [k, hv] of Object.entries(req.header || {})) {
    if (k.toLowerCase() === name.toLowerCase() && hv.values && hv.values.length > 0) return hv.values[0];
  }
  return '';
}

/**
 * requestForm is the SDK's HTTPRequest.Form: the query string, plus the body
 * when it is application/x-www-form-urlencoded (body values after query
 * values of the same name).
 * @param {{url?: string, body?: Buffer, header?: object}} req
 * @returns {{values: Map<string, string[]>, error: string}}
 */
function requestForm(req) {
  const q = parse(rawQuery(req.url || ''));
  const body = req.body || Buffer.alloc(0);
  const mediaType = headerValue(req, 'Content-Type').split(';')[0].trim().toLowerCase();
  if (body.length > 0 && mediaType === 'application/x-www-form-urlencoded') {
    const b = parse(body.toString('utf8'));
    for (const [k, vs] of b.values) {
      if (!q.values.has(k)) q.values.set(k, []);
      q.values.get(k).push(...vs);
    }
    q.error ||= b.error;
  }
  return q;
}

/**
 * first is Go's url.Values.Get: the first value of name, or ''.
 * @param {Map<string, string[]>} values
 * @param {string} name
 */
function first(values, name) {
  const vs = values.get(name);
  return vs && vs.length > 0 ? vs[0] : '';
}

module.exports = { queryEscape, encode, parse, rawQuery, headerValue, requestForm, first };
