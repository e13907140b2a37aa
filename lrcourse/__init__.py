"""lrcourse: the small numpy library behind the course "The learning rate, corrected".

One module per idea:

- :mod:`lrcourse.problems`   — quadratics, linear regression, Rosenbrock, the articles' data
- :mod:`lrcourse.schedules`  — learning-rate schedules as pure functions ``step -> lr``
- :mod:`lrcourse.optimizers` — SGD (momentum, Nesterov), Adagrad, RMSprop, Adam, AdamW
- :mod:`lrcourse.train`      — the training loop, divergence detection, vectorised LR sweeps
- :mod:`lrcourse.init`       — weight initialisation (Xavier/Glorot, He/Kaiming, LeCun)
- :mod:`lrcourse.mlp`, :mod:`lrcourse.datasets` — a small MLP with backprop, toy data sets, the digits
- :mod:`lrcourse.network` — a multiclass ReLU MLP trained as many runs (rates x seeds) at once
- :mod:`lrcourse.plots`, :mod:`lrcourse.widgets` — figures and sliders that work without a kernel
- :mod:`lrcourse.glue` — myst-nb's ``glue`` (values in the book's text) without its import cost

Import the modules you need: ``from lrcourse import schedules, optimizers``.
"""
__version__ = "0.1.0"
