"""The console lines the pipeline writes itself (alsmeta.io.console)."""

import io
import threading

from alsmeta.io.console import FinishedSteps, step_line


def test_a_step_line_names_the_job_its_wildcards_and_its_time():
    line = step_line(12, "forest_plots", {"outcome": "death"}, 1.44)
    assert line == "  12 done  forest plots death  (1.4 s)"
    assert step_line(3, "tables", {}, 0.04) == "   3 done  tables  (0.0 s)"


def test_steps_finishing_in_many_threads_get_one_whole_line_and_number_each():
    stream = io.StringIO()
    steps = FinishedSteps(stream)
    threads = [
        threading.Thread(target=steps.finished, args=("analyse", {"outcome": f"o{i}"}, 0.5))
        for i in range(200)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = stream.getvalue().splitlines()
    assert [int(line.split()[0]) for line in lines] == list(range(1, 201))
    assert sorted(line.split()[3] for line in lines) == sorted(f"o{i}" for i in range(200))
