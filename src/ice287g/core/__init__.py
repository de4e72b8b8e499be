"""Definitions and helpers every layer uses: paths, vocabulary, cell text, name keys, messages, hand tables and their fixes, states, atomic file writes, a frame's rows."""

import pandas as pd

# Text columns held as Python strings, not in Arrow arrays: the project's frames are many and small (a list's
# rows, a pair of lists, a state), where each Arrow take or filter costs more than the work it does (every
# list change of the feeds builds in about two thirds of the time). Same values, same order, same outputs (a
# rebuild with it leaves every committed file as it was). Set here, where every module of the package that
# makes a frame passes first; `import ice287g` alone loads no pandas.
pd.options.mode.string_storage = "python"
