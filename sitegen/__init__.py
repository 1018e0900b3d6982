"""sitegen: a static-site generator for small businesses."""

__version__ = "0.1.0"

from .build import BuildResult, build, load_site  # noqa: E402
from .errors import Problem, SitegenError  # noqa: E402

__all__ = ["BuildResult", "Problem", "SitegenError", "__version__", "build", "load_site"]
