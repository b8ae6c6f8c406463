/** The `endpoints` option: checked in the constructor, so a mistake fails there and says what it got. */

import { describe } from '../common/validate.js';
import { InvalidArgumentError } from '../interface/errors.js';

const FORM = 'a "host:port" or an "http://host:port" / "https://host:port" URL';

/** host:port, optionally after http:// or https://, optionally with a trailing slash; IPv6 in brackets. */
const ENDPOINT = /^(?:(?:http|https):\/\/)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})\/?$/;

/**
 * The endpoint list from the `endpoints` option: an array of endpoints, or one string that may hold
 * several separated by commas (etcdctl's `--endpoints` form). Each is trimmed and must be `host:port` or
 * an http(s) URL with a port and no path. Throws {@link InvalidArgumentError} naming what was received.
 */
export function parseEndpoints(value: unknown): string[] {
  let list: unknown[];
  if (typeof value === 'string') {
    if (value.trim() === '') throw atLeastOne(value);
    list = value.split(',');
  } else if (Array.isArray(value)) {
    if (value.length === 0) throw atLeastOne(value);
    list = value;
  } else {
    throw new InvalidArgumentError(
      `endpoints must be a string or an array of strings, received ${describe(value)}`,
    );
  }
  return list.map((item, i) => endpointArg(`endpoints[${i}]`, item));
}

function endpointArg(name: string, item: unknown): string {
  if (typeof item !== 'string') {
    throw new InvalidArgumentError(`${name} must be a string (${FORM}), received ${describe(item)}`);
  }
  const text = item.trim();
  const port = ENDPOINT.exec(text)?.[1];
  if (port === undefined || Number(port) < 1 || Number(port) > 65_535) {
    throw new InvalidArgumentError(`${name} must be ${FORM}, received ${describe(text)}`);
  }
  return text.replace(/\/$/, '');
}

function atLeastOne(value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    `endpoints must name at least one etcd endpoint, received ${describe(value)}`,
  );
}
