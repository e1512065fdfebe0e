package org.sohoa.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/**
 * Lucene's ASCII folding (Vietnamese: "Quyết định" -> "Quyet dinh", "Đ" -> "D") for Elasticsearch
 * distributions without analysis-common. Named so it cannot clash with the built-in "asciifolding".
 */
@NamedComponent("sohoa_folding")
public class FoldingTokenFilterFactory implements TokenFilterFactory {

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new ASCIIFoldingFilter(tokenStream);
    }

    /** Also usable in keyword normalizers. */
    @Override
    public TokenStream normalize(TokenStream tokenStream) {
        return new ASCIIFoldingFilter(tokenStream);
    }
}
