// One load run against a route of a bench server (autocannon, signed in with a bearer token).
import autocannon from 'autocannon';

export function load(url: string, token: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, headers: { authorization: `Bearer ${token}` } }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
  });
}
