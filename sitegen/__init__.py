"""sitegen: a static-site generator for small businesses."""

from .build import BuildResult, build, load_site
from .errors import Problem, SitegenError
from .version import __version__

__all__ = ["BuildResult", "Problem", "SitegenError", "__version__", "build", "load_site"]
