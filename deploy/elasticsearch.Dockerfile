# Elasticsearch 9 for sohoa: the official image has analysis-common (asciifolding); sohoa's index code uses
# it when its own `sohoa_folding` plugin is absent, so no plugin is needed here. Build the plugin only for
# distributions without analysis-common (see cli/services/elasticsearch.py).
FROM docker.elastic.co/elasticsearch/elasticsearch:9.5.0
