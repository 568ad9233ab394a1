"""Every table's model, imported in one place for Alembic and tests."""

from consult import models as consult_models
from consult.commerce import models as commerce_models
from showroom import models as showroom_models
from showroom.db import Base

metadata = Base.metadata
__all__ = ["commerce_models", "consult_models", "metadata", "showroom_models"]
