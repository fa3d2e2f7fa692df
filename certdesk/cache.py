"""The shared cache: Django's Redis backend, with one Redis client per connection pool.

Django builds a new redis.Redis for every cache call, and redis-py sets up some 170 response
callbacks in each; on an exam day every request makes one to five cache calls (the session, the
live version, the exam's items). A client holds nothing but its pool and is safe to share between
threads (redis-py checks a connection out of the pool for each command), so one per pool does the
same work without the set-up.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _SharedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClients
