"""Ingestion: load sources, clean them, chunk with exact offsets, embed, store in Chroma.

Importing this package is cheap; it only pins the offline environment variables so that
nothing imported later (huggingface_hub, chromadb, gradio) tries to reach the network.
"""

import os

for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ.setdefault(_name, _value)
