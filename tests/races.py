"""Running the same action from many threads at once, each on its own database connection."""

import threading

from django.db import connection


def race(workers, action):
    """Run ``action(worker)`` for every worker at once; returns their results in worker order."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, worker):
        try:
            barrier.wait()
            results[index] = action(worker)
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
