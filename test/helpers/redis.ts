// One real redis-server per suite: `const redis = useRedis();` inside a describe block.
import { startLocalRedis, type LocalRedis } from '../../queues/local-redis-server.ts';

export function useRedis(): { readonly url: string; readonly server: LocalRedis } {
  let server: LocalRedis | undefined;
  before(async function () {
    this.timeout(20_000);
    server = await startLocalRedis();
  });
  after(async () => {
    await server?.stop();
  });
  return {
    get url() {
      if (!server) throw new Error('redis not started yet');
      return server.url;
    },
    get server() {
      if (!server) throw new Error('redis not started yet');
      return server;
    },
  };
}
