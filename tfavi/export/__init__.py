"""SavedModel export with serving signatures for TF Serving (see docs/serving.md)."""

from tfavi.export.serving_limits import DEFAULT_LIMITS, ServingLimits
from tfavi.export.serving_signatures import IMAGES_DTYPES, ServingSignatures
from tfavi.export.versioned_export import export_saved_model, next_version
